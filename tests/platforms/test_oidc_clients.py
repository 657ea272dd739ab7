"""Registering platforms as OIDC clients: command, back-office action, demo data."""

from io import StringIO

import pytest
from allauth.idp.oidc.models import Client
from django.contrib.admin.sites import AdminSite
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from platforms.admin import PlatformAdmin
from platforms.models import Platform
from platforms.oidc.clientauth import client_secret_matches
from platforms.sso_services import platform_client_register

from .factories import REDIRECT_URI, verified_user

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("platform_client", *args, stdout=out)
    return out.getvalue()


def test_command_registers_the_client_and_shows_the_secret_once(platform):
    output = run("mgestion-entreprise", "--redirect-uri", REDIRECT_URI)

    platform.refresh_from_db()
    client = platform.oidc_client
    secret = output.split("client_secret=")[1].split()[0]
    assert client_secret_matches(client, secret)
    assert client.owner is None  # allauth deletes a client with its owner
    assert client.skip_consent
    assert client.get_redirect_uris() == [REDIRECT_URI]
    assert "habilitations" in client.get_scopes()
    again = run("mgestion-entreprise", "--redirect-uri", "https://other.example/cb")
    assert "client_secret=" not in again
    platform.refresh_from_db()
    assert platform.oidc_client.get_redirect_uris() == ["https://other.example/cb"]


def test_command_rotates_the_secret_on_demand(platform):
    first = run("mgestion-entreprise", "--redirect-uri", REDIRECT_URI)
    second = run("mgestion-entreprise", "--redirect-uri", REDIRECT_URI, "--rotate-secret")

    old = first.split("client_secret=")[1].split()[0]
    new = second.split("client_secret=")[1].split()[0]
    platform.refresh_from_db()
    assert client_secret_matches(platform.oidc_client, new)
    assert not client_secret_matches(platform.oidc_client, old)


def test_command_refuses_an_unknown_or_non_centralised_platform():
    with pytest.raises(CommandError, match="inconnue"):
        run("nope", "--redirect-uri", REDIRECT_URI)
    with pytest.raises(CommandError, match="pas centralisée"):
        run("mtutorat", "--redirect-uri", REDIRECT_URI)


def test_bad_redirect_uri_changes_nothing(platform):
    with pytest.raises(ValidationError):
        platform_client_register(
            platform=platform, redirect_uris=["javascript:alert(1)"], now=timezone.now()
        )
    platform.refresh_from_db()
    assert platform.oidc_client is None
    assert not Client.objects.exists()


def test_deleting_a_client_keeps_the_platform(platform, oidc_client):
    oidc_client.delete()

    platform.refresh_from_db()
    assert platform.oidc_client is None


def test_backoffice_action_registers_and_shows_the_secret(rf, platform):
    platform.url = "https://mgestion.example.fr/"
    platform.save(update_fields=["url"])
    staff = verified_user(is_staff=True, is_superuser=True)
    request = rf.post("/admin/platforms/platform/")
    request.user = staff
    request.session = {}
    request._messages = FallbackStorage(request)

    PlatformAdmin(Platform, AdminSite()).register_sso_client(
        request, Platform.objects.filter(pk=platform.pk)
    )

    platform.refresh_from_db()
    message = str(next(iter(request._messages)))
    secret = message.split("secret ")[1].split(" ")[0]
    assert client_secret_matches(platform.oidc_client, secret)
    assert platform.oidc_client.get_redirect_uris() == [
        "https://mgestion.example.fr/oidc/callback/"
    ]


def test_demo_data_registers_the_demo_platform_client_idempotently():
    from platforms import demo

    demo.load(stdout=StringIO())
    demo.load(stdout=StringIO())

    platform = Platform.objects.get(code=demo.DEMO_PLATFORM_CODE)
    assert platform.oidc_client_id == demo.DEMO_CLIENT_ID
    assert client_secret_matches(platform.oidc_client, demo.DEMO_CLIENT_SECRET)
    assert platform.backchannel_logout_uri == "http://127.0.0.1:8001/backchannel-logout/"
    # "Mes services en ligne" opens the demo platform by third-party-initiated login.
    assert platform.initiate_login_uri == "http://127.0.0.1:8001/oidc/initiate/"
    assert platform.url == "http://127.0.0.1:8001/"
    assert Client.objects.count() == 1


def test_client_owner_cannot_be_set_in_the_backoffice(rf, oidc_client):
    from django.contrib import admin
    from django.contrib.admin.sites import site

    model_admin = site._registry[Client]
    request = rf.get("/admin/")
    request.user = verified_user(is_staff=True, is_superuser=True)

    assert isinstance(model_admin, admin.ModelAdmin)
    assert "owner" in model_admin.get_readonly_fields(request, oidc_client)
