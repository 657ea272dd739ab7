"""No account enumeration: known and unknown emails get the same answer."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.test_signup import signup_data

from .conftest import sign_in

pytestmark = pytest.mark.django_db

UNKNOWN = "personne.inconnue@example.fr"


def answer(response):
    """What a visitor can observe: status, where he is sent, and the page shown there."""
    return response.status_code, response.get("Location")


def test_sign_up_answers_the_same_for_a_taken_email(client, member):
    taken = client.post(reverse("account_signup"), signup_data(email=member.email))
    client.logout()
    fresh = client.post(reverse("account_signup"), signup_data(email=UNKNOWN))
    assert answer(taken) == answer(fresh) == (302, reverse("account_email_verification_sent"))


def test_sign_up_with_a_taken_email_warns_the_owner_by_email(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), signup_data(email=member.email))
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_password_reset_answers_the_same_for_an_unknown_email(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("account_reset_password"), {"email": member.email})
        unknown = client.post(reverse("account_reset_password"), {"email": UNKNOWN})
    assert answer(known) == answer(unknown) == (302, reverse("account_reset_password_done"))
    # Both addresses get a mail: the unknown one learns no account exists, the attacker nothing.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, UNKNOWN])


def test_sign_in_by_code_answers_the_same_for_an_unknown_email(client, member):
    known = client.post(reverse("account_request_login_code"), {"email": member.email})
    client.cookies.clear()
    unknown = client.post(reverse("account_request_login_code"), {"email": UNKNOWN})
    assert answer(known) == answer(unknown) == (302, reverse("account_confirm_login_code"))


def test_wrong_password_and_unknown_email_get_the_same_error(client, member):
    wrong = sign_in(client, member.email, "pas le bon mot de passe")
    unknown = sign_in(client, UNKNOWN, "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
