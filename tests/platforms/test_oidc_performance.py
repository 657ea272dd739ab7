"""Cost of the token and userinfo endpoints (issue 10, item 5).

The platforms' back ends refresh tokens and call userinfo constantly: the
number of queries of each is pinned here (``bench/bench_oidc.py`` measures
the rates); the signing key is parsed once per key; client secrets are
checked with a keyed fast hash, legacy password-hasher hashes migrated on
first use.
"""

import jwt as pyjwt
import pytest
from allauth.idp.oidc.models import Client
from django.contrib.auth.hashers import make_password
from django.test import Client as HttpClient

from config.keys import generate_private_key_pem
from platforms.oidc import keys
from platforms.oidc.clientauth import SECRET_HASH_PREFIX

from .factories import grant, verified_user
from .oidc_helpers import TOKEN_URL, basic, code_for, exchange, refresh

pytestmark = pytest.mark.django_db

# Per refresh grant: client with its platform, refresh token + user, the account's
# accesses on the platform (the role check and the habilitations claim at once),
# email, retype the old refresh token, insert the new pair, and the activity record
# (one UPDATE that checks the account is active); plus the savepoints of the grant's
# transaction inside the test's. 13 before: a platform query, a second accesses
# query for the claim, and a "warned?" read with its own savepoints.
REFRESH_QUERIES = 9
# Per userinfo call: access token + user + client, email, habilitations.
USERINFO_QUERIES = 3


@pytest.fixture
def tokens(client, platform, client_and_secret):
    oidc_client, secret = client_and_secret
    user = verified_user()
    grant(user=user, platform=platform, role_code="gestionnaire")
    client.force_login(user)
    return exchange(client, oidc_client, secret, code_for(client, oidc_client)).json()


def test_a_refresh_grant_costs_a_fixed_number_of_queries(
    client_and_secret, tokens, django_assert_num_queries
):
    oidc_client, secret = client_and_secret
    backend = HttpClient()  # a platform's back end: no browser session

    with django_assert_num_queries(REFRESH_QUERIES):
        response = refresh(backend, oidc_client, secret, tokens["refresh_token"])

    assert response.status_code == 200


def test_userinfo_costs_a_fixed_number_of_queries(tokens, django_assert_num_queries):
    backend = HttpClient()

    with django_assert_num_queries(USERINFO_QUERIES):
        response = backend.get(
            "/identity/o/api/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
        )

    assert response.status_code == 200
    assert response.json()["habilitations"]


def test_signing_key_is_parsed_once_per_key_and_rotation_still_applies(
    client_and_secret, tokens, settings, monkeypatch
):
    oidc_client, secret = client_and_secret
    keys.parsed_key.cache_clear()
    calls = []
    original = keys.jwkkit.load_jwk_from_pem
    monkeypatch.setattr(
        keys.jwkkit, "load_jwk_from_pem", lambda pem: calls.append(pem) or original(pem)
    )
    backend = HttpClient()

    first = refresh(backend, oidc_client, secret, tokens["refresh_token"]).json()
    second = refresh(backend, oidc_client, secret, first["refresh_token"]).json()
    assert len(calls) == 1
    settings.IDP_OIDC_PRIVATE_KEY = generate_private_key_pem()
    third = refresh(backend, oidc_client, secret, second["refresh_token"]).json()

    assert len(calls) == 2
    kid = pyjwt.get_unverified_header
    assert kid(first["id_token"])["kid"] == kid(second["id_token"])["kid"]
    assert kid(third["id_token"])["kid"] != kid(second["id_token"])["kid"]


def test_client_secrets_are_stored_as_a_keyed_hash(client_and_secret):
    oidc_client, _secret = client_and_secret

    assert oidc_client.secret.startswith(SECRET_HASH_PREFIX)


def test_a_legacy_password_hasher_secret_is_migrated_on_first_success(oidc_client):
    Client.objects.filter(pk=oidc_client.pk).update(secret=make_password("legacy-s3cret"))
    backend = HttpClient()

    wrong = backend.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(oidc_client.id, "not-it"),
    )
    assert wrong.status_code == 401
    assert not Client.objects.get(pk=oidc_client.pk).secret.startswith(SECRET_HASH_PREFIX)
    right = backend.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(oidc_client.id, "legacy-s3cret"),
    )

    assert right.status_code == 200
    assert Client.objects.get(pk=oidc_client.pk).secret.startswith(SECRET_HASH_PREFIX)
    again = backend.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(oidc_client.id, "legacy-s3cret"),
    )
    assert again.status_code == 200
