"""allauth's emails are short French texts signed by OPCO Mobilités (never the request host)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    [message] = mail.outbox
    return message


def test_password_reset_email_is_french_and_branded(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="alice@example.fr")
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    message = reset(client, user.email, django_capture_on_commit_callbacks)
    assert message.subject.startswith("[OPCO Mobilités] ")
    assert message.body.startswith("Bonjour,")
    assert "Le centre de comptes OPCO Mobilités" in message.body
    assert "/password/reset/key/" in message.body
    assert "c'est testserver" not in message.body
    assert "Hello" not in message.body


def test_unknown_account_email_is_french_with_signup_link(
    client, django_capture_on_commit_callbacks
):
    message = reset(client, "nobody@example.fr", django_capture_on_commit_callbacks)
    assert "Aucun compte n'existe à cette adresse" in message.body
    assert "nobody@example.fr" in message.body
    assert reverse("account_signup") in message.body
    assert "c'est testserver" not in message.body
