"""Password sign-in lookup (``accounts.auth_backends.EmailAuthenticationBackend``).

One query finds a verified address with its account and "second factor?"; the
other cases keep allauth's rules: an unverified address or an account known only by
its own email field is still found (and sent to the email verification), and an
unknown address still costs a password hash.
"""

import pytest
from allauth.account.auth_backends import AuthenticationBackend
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from tests.platforms.factories import UserFactory, verified_user

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


def sign_in(email, password=PASSWORD):
    browser = Client()
    browser.get(reverse("account_login"))
    response = browser.post(reverse("account_login"), {"login": email, "password": password})
    return browser, response


def test_a_verified_address_signs_in_whatever_its_case():
    user = verified_user(email="claire.martin@transports-demo.fr")

    browser, response = sign_in("Claire.Martin@Transports-Demo.fr")

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(user.pk)


def test_an_unverified_address_is_found_and_sent_to_its_verification():
    user = UserFactory(email="nouveau@transports-demo.fr")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    browser, response = sign_in(user.email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in browser.session


def test_an_account_known_only_by_its_own_email_field_is_found():
    user = UserFactory(email="ancien@transports-demo.fr")
    assert not EmailAddress.objects.filter(user=user).exists()

    _, wrong = sign_in(user.email, password="not the password")
    _, right = sign_in(user.email)

    assert wrong.status_code == 200  # the form again, with its error
    assert right.status_code == 302
    assert right["Location"] == reverse("account_email_verification_sent")


def test_an_unknown_address_still_costs_a_password_hash(monkeypatch):
    hashed = []
    monkeypatch.setattr(
        AuthenticationBackend, "_mitigate_timing_attack", lambda self, password: hashed.append(1)
    )
    verified_user()

    sign_in("personne@inconnu.fr")

    assert hashed == [1]
