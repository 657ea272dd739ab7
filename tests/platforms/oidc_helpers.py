"""Helpers for the OpenID Connect conformance tests: a code flow driven by hand."""

import base64
import hashlib
from urllib.parse import parse_qs, quote_plus, urlencode, urlparse

import jwt as pyjwt
from allauth.idp.oidc.adapter import get_adapter
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from .factories import REDIRECT_URI

VERIFIER = "v" * 64
TOKEN_URL = "/identity/o/api/token"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(client_id: str, *, drop=(), **extra) -> str:
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
    for key in drop:
        params.pop(key)
    return "/identity/o/authorize?" + urlencode(params)


def query_of(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(response["Location"]).query).items()}


def basic(client_id: str, secret: str, *, encode: bool = True) -> str:
    """``Authorization: Basic`` as RFC 6749 §2.3.1 builds it (form-urlencoded first)."""
    if encode:
        client_id, secret = quote_plus(client_id), quote_plus(secret)
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def exchange(client, oidc_client, secret, code, *, verifier=VERIFIER):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
    if verifier:
        data["code_verifier"] = verifier
    return client.post(TOKEN_URL, data, HTTP_AUTHORIZATION=basic(oidc_client.id, secret))


def refresh(client, oidc_client, secret, refresh_token):
    return client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic(oidc_client.id, secret),
    )


def code_for(client, oidc_client, **extra) -> str:
    response = client.get(authorize_url(oidc_client.id, **extra))
    assert response.status_code == 302, response.content
    return query_of(response)["code"]


def id_token_claims(id_token: str, client_id: str) -> dict:
    key = get_adapter().get_signing_key().pem
    public = load_pem_private_key(key.encode(), password=None).public_key()
    return pyjwt.decode(id_token, public, algorithms=["RS256"], audience=client_id)
