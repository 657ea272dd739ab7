"""End to end: a relying party (Authlib) signs in through the account centre.

The account centre runs on pytest-django's live server; Authlib drives the
authorization code flow with PKCE (S256), the ID token is verified against
the published JWKS, and the userinfo, refresh and deactivation behaviours are
observed from the relying party's side.
"""

import warnings
from datetime import UTC, datetime

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.test import Client as DjangoClient

from platforms.models import Platform

from .factories import (
    REDIRECT_URI,
    deactivate,
    grant,
    register_client,
    seed_platforms,
    verified_user,
)

with warnings.catch_warnings():
    # Authlib's own JOSE module still verifies its OIDC claims classes; it warns
    # that joserfc (used by the back-channel logout test) is its successor.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, jwt

pytestmark = pytest.mark.django_db(transaction=True)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
SCOPE = "openid email profile habilitations"


@pytest.fixture
def provider(live_server, settings, monkeypatch):
    """Discovery document of the live account centre, issuer set to its URL."""
    seed_platforms()  # an earlier transactional test may have flushed them
    settings.IDP_OIDC_ISSUER = live_server.url
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    return requests.get(f"{live_server.url}/.well-known/openid-configuration", timeout=5).json()


def browser_for(user) -> requests.Session:
    """A browser already signed in to the account centre as ``user``."""
    django_client = DjangoClient()
    django_client.force_login(user)
    browser = requests.Session()
    browser.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return browser


def sign_in(provider, rp: OAuth2Session, browser: requests.Session):
    """Run the code flow with PKCE; return (token response, nonce) or the refusal."""
    verifier = generate_token(48)
    nonce = generate_token(20)
    url, _state = rp.create_authorization_url(
        provider["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    response = browser.get(url, allow_redirects=False, timeout=5)
    if response.status_code != 302:
        return response, None
    token = rp.fetch_token(
        provider["token_endpoint"],
        authorization_response=response.headers["Location"],
        code_verifier=verifier,
    )
    return token, nonce


def relying_party(client, secret) -> OAuth2Session:
    session = OAuth2Session(
        client.id,
        secret,
        scope=SCOPE,
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    return session


def test_code_flow_with_pkce_end_to_end(provider):
    platform = Platform.objects.get(code="mgestion-entreprise")
    other = Platform.objects.get(code="mcontributions")
    client, secret = register_client(platform)
    user = verified_user(first_name="Camille", last_name="Durand", last_activity_at=LONG_AGO)
    first = grant(user=user, platform=platform, role_code="gestionnaire")
    grant(
        user=user,
        platform=platform,
        role_code="administrateur",
        organisation=first.membership.organisation,
    )
    second = grant(user=user, platform=platform, role_code="cabinet-comptable")
    grant(user=user, platform=other, role_code="adherent")  # not for this platform
    rp = relying_party(client, secret)
    browser = browser_for(user)

    # Sign-in by SSO: code + PKCE, the ID token verifies against the JWKS.
    token, nonce = sign_in(provider, rp, browser)
    jwks = JsonWebKey.import_key_set(requests.get(provider["jwks_uri"], timeout=5).json())
    claims = jwt.decode(
        token["id_token"],
        jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": provider["issuer"]}},
        claims_params={"nonce": nonce, "client_id": client.id},
    )
    claims.validate()
    assert claims["aud"] == client.id
    assert claims["sub"] == str(user.pk)
    assert claims["email"] == user.email
    assert claims["email_verified"] is True
    assert claims["given_name"] == "Camille"
    assert claims["family_name"] == "Durand"
    assert claims["exp"] - claims["iat"] <= 300

    # The habilitations claim equals the user's accesses for this platform.
    expected = sorted(
        [
            {
                "siren": first.membership.organisation.siren,
                "siret": first.membership.organisation.siret,
                "name": first.membership.organisation.legal_name,
                "kind": "entreprise",
                "roles": ["administrateur", "gestionnaire"],
            },
            {
                "siren": second.membership.organisation.siren,
                "siret": second.membership.organisation.siret,
                "name": second.membership.organisation.legal_name,
                "kind": "entreprise",
                "roles": ["cabinet-comptable"],
            },
        ],
        key=lambda entry: entry["siret"],
    )
    assert claims["habilitations"] == expected
    userinfo = rp.get(provider["userinfo_endpoint"], timeout=5)
    assert userinfo.status_code == 200
    assert userinfo.json()["habilitations"] == expected

    # The SSO sign-in moved last_activity_at.
    user.refresh_from_db()
    assert user.last_activity_at > LONG_AGO

    # A refresh moves it too, and rotates the refresh token.
    type(user).objects.filter(pk=user.pk).update(last_activity_at=LONG_AGO)
    old_refresh = token["refresh_token"]
    refreshed = rp.refresh_token(provider["token_endpoint"], refresh_token=old_refresh)
    assert refreshed["refresh_token"] != old_refresh
    assert 0 < refreshed["refresh_expires_in"] <= 30 * 24 * 3600
    user.refresh_from_db()
    assert user.last_activity_at > LONG_AGO

    # A second SSO sign-in (no password: the session is reused) moves it again.
    type(user).objects.filter(pk=user.pk).update(last_activity_at=LONG_AGO)
    second_rp = relying_party(client, secret)
    second_token, _nonce = sign_in(provider, second_rp, browser)
    second_rp.close()
    assert "id_token" in second_token
    user.refresh_from_db()
    assert user.last_activity_at > LONG_AGO

    # Deactivation: the access token is rejected by userinfo at once.
    deactivate(user)
    rejected = requests.get(
        provider["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {second_token['access_token']}"},
        timeout=5,
    )
    assert rejected.status_code == 401
    browser.close()
    rp.close()


def test_user_without_access_is_refused(provider):
    platform = Platform.objects.get(code="mgestion-entreprise")
    client, secret = register_client(platform)
    user = verified_user()
    grant(user=user, platform=Platform.objects.get(code="mcontributions"), role_code="adherent")

    browser = browser_for(user)
    rp = relying_party(client, secret)
    refusal, _nonce = sign_in(provider, rp, browser)
    browser.close()
    rp.close()

    assert refusal.status_code == 403
    assert "Vous n'avez pas accès à M-Gestion Entreprise" in refusal.text
