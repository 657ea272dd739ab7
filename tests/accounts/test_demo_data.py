"""`manage.py demo_data` is idempotent: run twice, nothing doubles."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db

MODELS = [
    "accounts.User",
    "accounts.Organisation",
    "accounts.Membership",
    "accounts.JoinRequest",
    "accounts.Invitation",
    "platforms.Access",
    "account.EmailAddress",
    "accounts.OrganisationUserObjectPermission",
]


def counts():
    return {name: apps.get_model(name).objects.count() for name in MODELS}


def test_running_demo_data_twice_doubles_nothing():
    call_command("demo_data", stdout=io.StringIO())
    first = counts()
    call_command("demo_data", stdout=io.StringIO())
    assert counts() == first
    assert first["platforms.Access"] >= 3  # other apps' loaders may add their own
    assert first["accounts.JoinRequest"] >= 1


def test_demo_administrator_can_open_mon_organisation(client):
    from django.urls import reverse
    from django.utils import timezone

    from accounts.management.commands.demo_data import ADMIN_EMAIL
    from accounts.models import Organisation, User
    from legal import selectors as legal_selectors
    from legal import services as legal_services

    call_command("demo_data", stdout=io.StringIO())
    admin = User.objects.get(email=ADMIN_EMAIL)
    # The demo publishes a CGU version: the administrator accepts it first (the gate).
    now = timezone.now()
    legal_services.cgu_accept(
        user=admin,
        version=legal_selectors.cgu_in_force(now=now),
        now=now,
        ip_address="127.0.0.1",
        user_agent="test",
        context="reacceptance",
    )
    client.force_login(admin)
    organisation = Organisation.objects.get()
    response = client.get(
        reverse("accounts:org_detail", kwargs={"organisation_pk": organisation.pk})
    )
    assert response.status_code == 200
    assert "bruno.gestion@transports-demo.fr" in response.text
    assert "chloe.candidate@transports-demo.fr" in response.text


def test_the_demo_agent_gets_past_mfa_with_the_printed_code():
    """README: `manage.py demo_totp` prints the code the demo agent types (issue 15 item 9)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.demo import DEMO_STAFF_EMAIL

    out = io.StringIO()
    call_command("demo_data", stdout=out)
    assert "demo_totp" in out.getvalue()
    code = io.StringIO()
    call_command("demo_totp", stdout=code)
    authenticator = Authenticator.objects.get(
        user__email=DEMO_STAFF_EMAIL, type=Authenticator.Type.TOTP
    )
    assert TOTP(authenticator).validate_code(code.getvalue().strip())
