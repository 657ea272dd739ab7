"""Provider-wide behaviour: discovery, tokens, expiry, clean-up, keys."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from allauth.idp.oidc.models import Token
from django.conf import settings as django_settings
from django.utils import timezone

from config.settings.schedule import CELERY_BEAT_SCHEDULE
from platforms import tasks

from .factories import verified_user

pytestmark = pytest.mark.django_db


def test_discovery_announces_the_platform_scopes_and_back_channel_logout(client):
    data = client.get("/.well-known/openid-configuration").json()

    assert "habilitations" in data["scopes_supported"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["backchannel_logout_supported"] is True
    assert data["end_session_endpoint"].endswith("/identity/o/logout")
    assert data["revocation_endpoint"].endswith("/identity/o/api/revoke")
    assert data["issuer"] == django_settings.IDP_OIDC_ISSUER


def test_tokens_are_opaque_short_and_refresh_tokens_expire_in_thirty_days():
    assert django_settings.IDP_OIDC_ACCESS_TOKEN_FORMAT == "opaque"
    assert django_settings.IDP_OIDC_ID_TOKEN_EXPIRES_IN <= 300
    assert django_settings.IDP_OIDC_ROTATE_REFRESH_TOKEN is True
    assert django_settings.IDP_OIDC_REFRESH_TOKEN_EXPIRES_IN == 30 * 24 * 3600


def test_expired_tokens_are_purged_by_the_beat_task(oidc_client):
    user = verified_user()
    now = timezone.now()
    Token.objects.create(
        user=user, client=oidc_client, type="rt", hash="old", expires_at=now - timedelta(days=1)
    )
    Token.objects.create(
        user=user, client=oidc_client, type="rt", hash="new", expires_at=now + timedelta(days=1)
    )

    tasks.oidc_cleartokens.apply()

    assert list(Token.objects.values_list("hash", flat=True)) == ["new"]
    assert any(
        entry["task"] == "platforms.tasks.oidc_cleartokens"
        for entry in CELERY_BEAT_SCHEDULE.values()
    )


def test_production_refuses_to_start_without_a_signing_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.fr",
        "DATABASE_URL": "postgres://u@localhost/db",
        "CELERY_BROKER_URL": "redis://localhost",
        "CACHE_URL": "locmemcache://",
        "IDP_OIDC_PRIVATE_KEY": "",
        "IDP_OIDC_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem"),
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=django_settings.BASE_DIR,
    )

    assert result.returncode != 0
    assert "IDP_OIDC_PRIVATE_KEY" in result.stderr


def test_rp_initiated_logout_ends_the_platforms_tokens_and_the_session(
    client, platform, oidc_client, monkeypatch
):
    monkeypatch.setattr(tasks.send_backchannel_logout, "delay", lambda **kw: None)
    user = verified_user()
    Token.objects.create(user=user, client=oidc_client, type="at", hash="a")
    client.force_login(user)

    # Without an id_token_hint the provider must ask before signing out (spec, 2).
    asked = client.get(f"/identity/o/logout?client_id={oidc_client.id}")
    response = client.post(
        "/identity/o/logout",
        {"client_id": oidc_client.id, "action": "logout", "csrfmiddlewaretoken": "t"},
    )

    assert asked.status_code == 200
    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert "_auth_user_id" not in client.session


def test_key_rotation_publishes_both_keys_and_signs_with_the_newest(client, settings):
    from allauth.core.internal import jwkkit

    from config.keys import generate_private_key_pem
    from platforms.logout import logout_token_encode

    new_pem = generate_private_key_pem()
    settings.IDP_OIDC_PRIVATE_KEYS = [
        {"pem": new_pem, "issued_at": (timezone.now() - timedelta(minutes=1)).isoformat()}
    ]

    kids = {key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]}
    token = logout_token_encode(client_id="c", sub="1", jti="j", now=timezone.now())

    new_kid = jwkkit.load_jwk_from_pem(new_pem)[0]["kid"]
    old_kid = jwkkit.load_jwk_from_pem(settings.IDP_OIDC_PRIVATE_KEY)[0]["kid"]
    assert kids == {new_kid, old_kid}
    import jwt

    assert jwt.get_unverified_header(token)["kid"] == new_kid


def test_allauth_url_names_lead_to_the_platform_gates():
    from django.urls import resolve, reverse

    from platforms import views

    assert resolve(reverse("idp:oidc:authorization")).func is views.authorize
    assert resolve(reverse("idp:oidc:token")).func is views.token
    assert reverse("idp:oidc:authorization") == "/identity/o/authorize"
