"""OpenID Connect Back-Channel Logout 1.0: the logout token.

A logout token is a JWT signed with the provider's current signing key (the
one published in the JWKS), typed ``logout+jwt``, carrying ``iss``, ``aud``
(the platform's client id), ``iat``, ``exp``, ``jti``, ``sub`` and the
back-channel logout event — and never a ``nonce`` (spec, section 2.4).
"""

from datetime import datetime

from allauth.core.internal import jwkkit
from allauth.idp.oidc.adapter import get_adapter
from jwt import encode

from . import app_settings
from .oidc import BACKCHANNEL_LOGOUT_EVENT


def logout_token_encode(*, client_id: str, sub: str, jti: str, now: datetime) -> str:
    """Return the signed logout token telling ``client_id`` that ``sub`` is signed out."""
    adapter = get_adapter()
    jwk_dict, private_key = jwkkit.load_jwk_from_pem(adapter.get_signing_key().pem)
    issued_at = int(now.timestamp())
    payload = {
        "iss": app_settings.issuer(),
        "aud": client_id,
        "iat": issued_at,
        "exp": issued_at + app_settings.logout_token_expires_in(),
        "jti": jti,
        "sub": sub,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    return encode(
        payload,
        private_key,
        algorithm="RS256",
        headers={"kid": jwk_dict["kid"], "typ": "logout+jwt"},
    )
