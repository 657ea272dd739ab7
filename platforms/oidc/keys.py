"""The provider's current signing key, parsed once per process.

Parsing a PEM RSA key (and deriving its JWK and ``kid``) costs milliseconds;
every refresh grant signs an ID token, so the parsed key is cached, keyed by
the PEM text itself: rotating the key (``IDP_OIDC_PRIVATE_KEYS``) changes the
PEM the adapter picks, hence the cache entry, with no restart. Read-only.
"""

import functools
from dataclasses import dataclass
from typing import Any

from allauth.core.internal import jwkkit
from allauth.core.internal.deferred import jwt
from allauth.idp.oidc.adapter import get_adapter


@dataclass(frozen=True)
class SigningKey:
    kid: str
    jwk: dict
    private_key: Any  # cryptography's RSAPrivateKey


@functools.lru_cache(maxsize=16)
def parsed_key(pem: str) -> SigningKey:
    """The parsed form of ``pem`` (cached per process, per key material)."""
    jwk_dict, private_key = jwkkit.load_jwk_from_pem(pem)
    return SigningKey(kid=jwk_dict["kid"], jwk=jwk_dict, private_key=private_key)


def signing_key() -> SigningKey:
    """The key that signs new tokens now (the adapter's choice, see allauth's rotation)."""
    return parsed_key(get_adapter().get_signing_key().pem)


def sign(payload: dict, *, typ: str | None = None) -> str:
    """``payload`` as a compact RS256 JWS signed with the current key (``kid`` set)."""
    key = signing_key()
    headers = {"kid": key.kid}
    if typ:
        headers["typ"] = typ
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers=headers)
