"""The authorize gate: who gets an authorization code for which platform."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from allauth.idp.oidc.models import Client

from platforms.models import PlatformLogin

from .factories import REDIRECT_URI, deactivate, grant, verified_user

pytestmark = pytest.mark.django_db
VERIFIER = "v" * 64
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(client_id: str, **extra) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile habilitations",
        "state": "st4te",
        "nonce": "n0nce",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    return "/identity/o/authorize?" + urlencode(params)


def query_of(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}


def test_user_with_access_gets_a_code_and_activity_is_recorded(client, platform, oidc_client):
    user = verified_user(last_activity_at=LONG_AGO)
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)

    response = client.get(authorize_url(oidc_client.id))

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    assert "code" in query_of(response)
    user.refresh_from_db()
    assert user.last_activity_at > LONG_AGO
    assert PlatformLogin.objects.filter(user=user, platform=platform).exists()


def test_user_without_access_is_refused_with_a_french_page_naming_platform_and_admins(
    client, platform, oidc_client
):
    user = verified_user()
    admin = verified_user(first_name="Alice", last_name="Admin")
    other = grant(user=admin, platform=platform, role_code="administrateur")
    other.membership.is_administrator = True
    other.membership.save(update_fields=["is_administrator"])
    # The user belongs to the admin's organisation, with a role on another platform only.
    from tests.accounts.factories import MembershipFactory

    MembershipFactory(user=user, organisation=other.membership.organisation)
    client.force_login(user)

    response = client.get(authorize_url(oidc_client.id))

    assert response.status_code == 403
    content = response.content.decode()
    assert "Vous n'avez pas accès à M-Gestion Entreprise" in content
    assert admin.email in content
    assert not PlatformLogin.objects.filter(user=user).exists()


def test_access_on_another_platform_does_not_open_this_one(
    client, platform, other_platform, oidc_client
):
    user = verified_user()
    grant(user=user, platform=other_platform, role_code="gestionnaire")
    client.force_login(user)

    response = client.get(authorize_url(oidc_client.id))

    assert response.status_code == 403


def test_silent_authorize_without_access_redirects_with_access_denied(
    client, platform, oidc_client
):
    user = verified_user()
    client.force_login(user)

    response = client.get(authorize_url(oidc_client.id, prompt="none"))

    assert response.status_code == 302
    assert query_of(response) == {"error": "access_denied", "state": "st4te"}


def test_inactive_user_never_gets_a_code(client, platform, oidc_client, rf):
    from platforms.views import authorize

    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    user.is_active = False
    request = rf.get(authorize_url(oidc_client.id))
    request.user = user
    from django.contrib.messages.storage.fallback import FallbackStorage

    request.session = {}
    request._messages = FallbackStorage(request)

    response = authorize(request)

    assert response.status_code == 403
    assert "désactivé ou suspendu" in response.content.decode()


def test_deactivated_users_session_no_longer_reaches_authorize(client, platform, oidc_client):
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    deactivate(user)

    response = client.get(authorize_url(oidc_client.id))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_plain_pkce_is_refused(client, platform, oidc_client):
    """RFC 9700 §2.1.1: only S256; the refusal goes back to the client (RFC 6749 §4.1.2.1)."""
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)

    response = client.get(
        authorize_url(oidc_client.id, code_challenge=VERIFIER, code_challenge_method="plain")
    )

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    assert query_of(response)["error"] == "invalid_request"
    assert "code" not in query_of(response)


def test_public_client_without_pkce_gets_no_code(client, platform, oidc_client):
    oidc_client.type = Client.Type.PUBLIC
    oidc_client.save(update_fields=["type"])
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    url = authorize_url(oidc_client.id)
    url = url.replace("&code_challenge=", "&x=").replace("&code_challenge_method=S256", "")

    response = client.get(url)

    assert "code" not in query_of(response)
    assert query_of(response)["error"] == "invalid_request"


def test_client_without_platform_is_refused(client):
    client_row = Client.objects.create(name="Orphan", redirect_uris=REDIRECT_URI)
    user = verified_user()
    client.force_login(user)

    response = client.get(authorize_url(client_row.id))

    assert response.status_code == 403


def test_anonymous_user_is_sent_to_sign_in(client, oidc_client):
    response = client.get(authorize_url(oidc_client.id))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _exchange(client, oidc_client, secret, code):
    import base64

    basic = base64.b64encode(f"{oidc_client.id}:{secret}".encode()).decode()
    return client.post(
        "/identity/o/api/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )


def test_code_of_an_account_deactivated_before_the_exchange_is_refused(
    client, platform, client_and_secret
):
    oidc_client, secret = client_and_secret
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    code = query_of(client.get(authorize_url(oidc_client.id)))["code"]
    deactivate(user)

    response = _exchange(client, oidc_client, secret, code)

    assert response.status_code == 400
    assert "access_token" not in response.json()


def test_refresh_is_refused_once_the_last_role_on_the_platform_is_removed(
    client, platform, client_and_secret
):
    import base64

    from allauth.idp.oidc.models import Token

    oidc_client, secret = client_and_secret
    user = verified_user()
    access = grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    code = query_of(client.get(authorize_url(oidc_client.id)))["code"]
    tokens = _exchange(client, oidc_client, secret, code).json()
    access.delete()
    basic = base64.b64encode(f"{oidc_client.id}:{secret}".encode()).decode()

    response = client.post(
        "/identity/o/api/token",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not Token.objects.filter(user=user).exists()


def cgu_gate(*, request, user, platform):
    from django.http import HttpResponseRedirect

    return HttpResponseRedirect("/cgu/accepter/")


def test_a_configured_gate_runs_before_any_code_is_issued(client, platform, oidc_client, settings):
    settings.PLATFORMS_AUTHORIZE_GATES = ["tests.platforms.test_oidc_authorize.cgu_gate"]
    user = verified_user(last_activity_at=LONG_AGO)
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)

    response = client.get(authorize_url(oidc_client.id))

    assert response["Location"] == "/cgu/accepter/"
    assert not PlatformLogin.objects.filter(user=user).exists()


def test_cgu_pending_account_is_sent_to_the_gate_before_any_code(client, platform, oidc_client):
    from django.utils import timezone

    from legal import services as legal_services

    now = timezone.now()
    version = legal_services.cgu_publish(
        version=legal_services.cgu_draft_create(label="v2", text="Texte"), actor=None, now=now
    )
    user = verified_user(last_activity_at=LONG_AGO)
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)

    gated = client.get(authorize_url(oidc_client.id))

    assert gated.status_code == 302
    assert "code" not in query_of(gated)
    assert not PlatformLogin.objects.filter(user=user).exists()
    legal_services.cgu_accept(
        user=user,
        version=version,
        now=now,
        ip_address="127.0.0.1",
        user_agent="test",
        context="sso",
    )
    assert "code" in query_of(client.get(authorize_url(oidc_client.id)))


def test_a_refresh_counts_as_activity(client, platform, client_and_secret):
    import time_machine
    from django.utils import timezone

    from .oidc_helpers import refresh

    oidc_client, secret = client_and_secret
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    code = query_of(client.get(authorize_url(oidc_client.id)))["code"]
    tokens = _exchange(client, oidc_client, secret, code).json()
    later = (timezone.now() + timedelta(days=10)).replace(microsecond=0)

    with time_machine.travel(later, tick=False):
        response = refresh(client, oidc_client, secret, tokens["refresh_token"])

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.last_activity_at == later
