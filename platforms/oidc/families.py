"""Token families: replay and reuse detection, and the refresh grace window.

Every token issued from one authorization code carries the same
``data["family"]``, inherited by each refresh. Then:

- a replayed authorization code (RFC 6749 §4.1.2) revokes the family issued
  from it: the exchanged code is remembered in the cache (``spent_code_*``);
- a rotated refresh token is not deleted but retyped ``ROTATED_REFRESH_TOKEN``
  (allauth never looks at that type; ``oidc_cleartokens`` purges it at its
  original expiry); presenting it again (RFC 9700 §4.14.2) revokes the family;
- except within ``PLATFORMS_OIDC_REFRESH_GRACE_SECONDS`` of the rotation,
  when the same new pair is returned again (idempotent retry). That pair is
  kept in the cache encrypted under a key derived from the old refresh token,
  so only its holder can read it; it is dropped as soon as the new refresh
  token is itself rotated.
"""

import base64
import hashlib
import json
import logging

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Token
from cryptography.fernet import Fernet, InvalidToken
from django.core.cache import cache

from .. import app_settings

logger = logging.getLogger(__name__)

ROTATED_REFRESH_TOKEN = "xr"  # noqa: S105 — a Token.type allauth ignores


def family_revoke(*, client_id: str, user_id: int | None, family: str | None) -> int:
    """Delete every token of ``family`` (all types); returns how many rows went."""
    if not family:
        return 0
    deleted, _ = Token.objects.filter(
        client_id=client_id, user_id=user_id, data__family=family
    ).delete()
    logger.warning(
        "oidc token family revoked",
        extra={"client_id": client_id, "user_id": user_id, "deleted": deleted},
    )
    return deleted


def _spent_key(client_id: str, code: str) -> str:
    digest = hashlib.sha256(f"{client_id}:{code}".encode()).hexdigest()
    return f"platforms.oidc.spent_code:{digest}"


def spent_code_remember(*, client_id: str, code: str, user_id: int, family: str) -> None:
    """``code`` was exchanged; its family is revoked if it comes back."""
    cache.set(
        _spent_key(client_id, code),
        {"user_id": user_id, "family": family},
        timeout=app_settings.spent_code_ttl(),
    )


def spent_code_replayed(*, client_id: str, code: str) -> bool:
    """When ``code`` was already exchanged: revoke what it issued and say True."""
    spent = cache.get(_spent_key(client_id, code))
    if not spent:
        return False
    family_revoke(client_id=client_id, user_id=spent["user_id"], family=spent["family"])
    return True


def rotated_reuse_revoke(*, client_id: str, value: str) -> bool:
    """When ``value`` is a rotated refresh token of ``client_id``: revoke its family."""
    rotated = (
        Token.objects.filter(
            type=ROTATED_REFRESH_TOKEN, client_id=client_id, hash=get_adapter().hash_token(value)
        )
        .only("user_id", "data")
        .first()
    )
    if rotated is None:
        return False
    family = rotated.data.get("family") if isinstance(rotated.data, dict) else None
    if family:
        family_revoke(client_id=client_id, user_id=rotated.user_id, family=family)
    else:  # issued before families existed: the whole grant of that user goes
        Token.objects.filter(client_id=client_id, user_id=rotated.user_id).delete()
    return True


def grace_key(old_value: str) -> str:
    digest = hashlib.sha256(b"grace:" + old_value.encode()).hexdigest()
    return f"platforms.oidc.refresh_grace:{digest}"


def _fernet(old_value: str) -> Fernet:
    key = hashlib.sha256(b"grace-key:" + old_value.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def grace_remember(*, old_value: str, client_id: str, response: dict) -> None:
    """Keep the pair issued for ``old_value`` for the grace window, encrypted."""
    seconds = app_settings.refresh_grace_seconds()
    if seconds <= 0:
        return
    blob = _fernet(old_value).encrypt(
        json.dumps({"client_id": client_id, "response": response}).encode()
    )
    cache.set(grace_key(old_value), blob, timeout=seconds)


def grace_forget(key: str | None) -> None:
    if key:
        cache.delete(key)


def grace_pending(old_value: str) -> bool:
    """True when a pair issued for ``old_value`` may still be replayed (cheap cache probe)."""
    return app_settings.refresh_grace_seconds() > 0 and cache.get(grace_key(old_value)) is not None


def grace_replay(*, old_value: str, client_id: str) -> dict | None:
    """The pair already issued for ``old_value`` to ``client_id`` within the window, or None."""
    blob = cache.get(grace_key(old_value))
    if not blob:
        return None
    try:
        kept = json.loads(
            _fernet(old_value).decrypt(blob, ttl=app_settings.refresh_grace_seconds())
        )
    except (InvalidToken, ValueError):
        return None
    if kept.get("client_id") != client_id:
        return None
    refresh = kept["response"].get("refresh_token")
    if (
        refresh
        and not Token.objects.filter(
            type=Token.Type.REFRESH_TOKEN, hash=get_adapter().hash_token(refresh)
        ).exists()
    ):
        return None  # revoked since (family reuse, sign-out, deactivation)
    return kept["response"]
