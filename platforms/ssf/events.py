"""Event types sent by the transmitter and how each SET is built.

Event URIs are those of RISC 1.0 (``https://schemas.openid.net/secevent/risc/
event-type/...``), CAEP 1.0 (``.../caep/event-type/...``) and the SSF 1.0
verification event. A SET (RFC 8417) here carries ``iss``, ``aud`` (the
platform's OIDC client id), ``iat``, ``jti``, the top-level ``sub_id`` (SSF 1.0
"Subject Members") and, for the RISC and CAEP types, the same subject inside
the event as those profiles define it; never ``sub`` nor ``exp`` (SSF 1.0
"Distinguishing SETs from other Kinds of JWTs").
"""

RISC = "https://schemas.openid.net/secevent/risc/event-type/"
CAEP = "https://schemas.openid.net/secevent/caep/event-type/"
SSF = "https://schemas.openid.net/secevent/ssf/event-type/"

ACCOUNT_DISABLED = RISC + "account-disabled"
ACCOUNT_ENABLED = RISC + "account-enabled"
ACCOUNT_PURGED = RISC + "account-purged"
CREDENTIAL_COMPROMISE = RISC + "credential-compromise"
SESSION_REVOKED = CAEP + "session-revoked"
TOKEN_CLAIMS_CHANGE = CAEP + "token-claims-change"
VERIFICATION = SSF + "verification"
STREAM_UPDATED = SSF + "stream-updated"

# What a stream may request; verification and stream-updated are always sent.
SUPPORTED = [
    ACCOUNT_DISABLED,
    ACCOUNT_ENABLED,
    ACCOUNT_PURGED,
    CREDENTIAL_COMPROMISE,
    SESSION_REVOKED,
    TOKEN_CLAIMS_CHANGE,
]
CAEP_TYPES = {SESSION_REVOKED, TOKEN_CLAIMS_CHANGE}

PUSH = "urn:ietf:rfc:8935"
POLL = "urn:ietf:rfc:8936"


def iss_sub(*, issuer: str, sub: str) -> dict:
    """RFC 9493 §3.2.3 "Issuer and Subject Identifier Format"."""
    return {"format": "iss_sub", "iss": issuer, "sub": sub}


def event_body(*, event_type: str, subject: dict, now, reason: str = "", data=None) -> dict:
    """The member of ``events`` for one event type.

    RISC account-disabled may carry ``reason`` ("hijacking" for a lost-credentials
    suspension, the only RISC value that fits); every event also carries our own
    reason code in ``reason_admin`` (CAEP 1.0 "Event Properties": a map of
    language tags) so a platform can tell a suspension from a deactivation.
    """
    body: dict = {"subject": subject}
    if event_type in CAEP_TYPES:
        body["event_timestamp"] = int(now.timestamp())
        body["initiating_entity"] = "admin" if reason else "system"
    if reason:
        body["reason_admin"] = {"en": reason}
    if event_type == ACCOUNT_DISABLED and reason == "lost_credentials":
        body["reason"] = "hijacking"
    if event_type == CREDENTIAL_COMPROMISE:
        body["credential_type"] = "password"
        body["event_timestamp"] = int(now.timestamp())
    if data:
        body.update(data)
    return body
