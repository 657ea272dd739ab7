"""A Shared Signals receiver in a few functions (no Django here: any site can reuse it).

``verify_set`` checks a Security Event Token the way a receiver must: the JOSE
header's ``typ`` is ``secevent+jwt`` (RFC 8417 §2.3), the signature verifies
against the provider's JWKS, ``iss`` is the provider, ``aud`` is our client id,
``iat`` and ``jti`` are present, there is no ``sub`` and no ``exp`` (SSF 1.0),
``events`` is a non-empty object and the subject ``sub_id`` is an RFC 9493
``iss_sub`` of our provider (or the ``opaque`` stream id of a verification).

``Receiver.handle`` applies one verified SET once (de-duplicated by ``jti``,
since delivery is at-least-once): it ends the person's sessions on
account-disabled, session-revoked and credential-compromise, and deletes the
local person on account-purged. What "sessions" and "the local person" are is
the ``store``'s business (the demo site's store uses Django's tables).
"""

import json
from base64 import urlsafe_b64decode

from joserfc import jwt
from joserfc.jwk import KeySet

RISC = "https://schemas.openid.net/secevent/risc/event-type/"
CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
VERIFICATION = "https://schemas.openid.net/secevent/ssf/event-type/verification"
END_SESSIONS = {
    RISC + "account-disabled",
    RISC + "credential-compromise",
    CAEP + "session-revoked",
}
PURGE = RISC + "account-purged"


class InvalidSET(ValueError):
    """The token is not a SET we accept; ``err`` is the RFC 8935 §2.4 error code."""

    def __init__(self, err: str, description: str):
        super().__init__(f"{err}: {description}")
        self.err = err
        self.description = description


def _header(token: str) -> dict:
    try:
        segment = token.split(".")[0]
        return json.loads(urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError) as exc:
        raise InvalidSET("invalid_request", "not a JWS compact serialisation") from exc


def verify_set(token: str, *, jwks: dict, issuer: str, audience: str) -> dict:
    """Return the claims of ``token`` or raise ``InvalidSET``."""
    if _header(token).get("typ") != "secevent+jwt":
        raise InvalidSET("invalid_request", "typ must be secevent+jwt")
    try:
        decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["RS256"])
    except Exception as exc:  # joserfc raises several kinds for a bad signature or key
        raise InvalidSET("invalid_key", str(exc)) from exc
    claims = decoded.claims
    try:
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(claims)
    except Exception as exc:
        code = "invalid_issuer" if getattr(exc, "claim", "") == "iss" else "invalid_request"
        raise InvalidSET(code, str(exc)) from exc
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if audience not in audiences:
        raise InvalidSET("invalid_audience", "aud is not this receiver")
    if "sub" in claims or "exp" in claims:
        raise InvalidSET("invalid_request", "a SET carries neither sub nor exp")
    events = claims.get("events")
    if not isinstance(events, dict) or not events:
        raise InvalidSET("invalid_request", "events must be a non-empty object")
    subject = claims.get("sub_id") or {}
    if VERIFICATION in events:
        if subject.get("format") != "opaque" or not subject.get("id"):
            raise InvalidSET("invalid_request", "verification subject must be opaque")
    elif not (
        subject.get("format") == "iss_sub"
        and subject.get("iss") == issuer
        and isinstance(subject.get("sub"), str)
        and subject["sub"]
    ):
        raise InvalidSET("invalid_request", "sub_id must be iss_sub of this provider")
    return claims


class Receiver:
    """Applies verified SETs to a ``store`` exactly once each.

    ``store`` provides ``seen(jti) -> bool``, ``remember(jti)``,
    ``end_sessions(sub) -> int`` and ``delete_person(sub) -> bool``.
    """

    def __init__(self, store):
        self.store = store

    def handle(self, claims: dict) -> list[str]:
        """Act on one SET; returns what was done (empty for a duplicate)."""
        if self.store.seen(claims["jti"]):
            return []
        done = []
        sub = (claims.get("sub_id") or {}).get("sub")
        for event_type in claims["events"]:
            if event_type in END_SESSIONS and sub:
                self.store.end_sessions(sub)
                done.append(f"sessions ended: {event_type.rsplit('/', 1)[-1]}")
            elif event_type == PURGE and sub:
                self.store.end_sessions(sub)
                self.store.delete_person(sub)
                done.append("person deleted")
            else:
                done.append(f"noted: {event_type.rsplit('/', 1)[-1]}")
        self.store.remember(claims["jti"])
        return done
