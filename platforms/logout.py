"""OpenID Connect Back-Channel Logout 1.0: the logout token.

A logout token is a JWT signed with the provider's current signing key (the
one published in the JWKS), typed ``logout+jwt``, carrying ``iss``, ``aud``
(the platform's client id), ``iat``, ``exp``, ``jti``, ``sub`` and the
back-channel logout event — and never a ``nonce`` (spec, section 2.4).
"""

from datetime import datetime

from . import app_settings
from .oidc import BACKCHANNEL_LOGOUT_EVENT
from .oidc.keys import sign


def logout_token_encode(*, client_id: str, sub: str, jti: str, now: datetime) -> str:
    """Return the signed logout token telling ``client_id`` that ``sub`` is signed out."""
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
    return sign(payload, typ="logout+jwt")
