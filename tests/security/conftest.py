"""Fixtures for the security tests: verified users, staff with and without MFA."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.accounts.factories import MembershipFactory, UserFactory

PASSWORD = "correct horse battery staple 42"


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def give_totp(user):
    """Attach a TOTP authenticator (and nothing else) to ``user``."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.fixture
def member(db):
    return verified(MembershipFactory().user)


@pytest.fixture
def staff_without_mfa(db):
    return verified(UserFactory(is_staff=True, mfa=False))


@pytest.fixture
def staff_with_mfa(db):
    return verified(UserFactory(is_staff=True))  # the factory gives staff a TOTP
