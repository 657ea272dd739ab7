"""Authentication of OAuth clients (the platforms) and its throttle.

``authenticate_client(request, now=...)`` is the one place that answers
"which OIDC client is calling": the token endpoint (through the oauthlib
validator), the revocation endpoint and the Shared Signals endpoints use it.

- ``client_secret_basic`` follows RFC 6749 §2.3.1: the client id and secret
  are form-urlencoded *before* Base64, so they are decoded after it. Clients
  that do not encode (many do not) send the raw value; when the decoded value
  fails and differs from the raw one, the raw value is tried too — a secret
  cannot match by accident, so this only widens compatibility.
- ``client_secret_post`` reads ``client_id``/``client_secret`` from the body.
- Secrets are stored as HMAC-SHA-256 under a server pepper (fast, constant
  time); a secret still stored with a Django password hasher (Argon2,
  PBKDF2…) is verified with it once, then rewritten to the fast form.
- Failed authentications are counted per client id and per client IP
  (``accounts.security.client_ip``); past the limit the caller answers 429
  with ``Retry-After`` without checking the secret.
"""

import base64
import binascii
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

from allauth.idp.oidc import app_settings as allauth_settings
from allauth.idp.oidc.models import Client
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.http import HttpRequest

from accounts.security import client_ip

from .. import app_settings

logger = logging.getLogger(__name__)

SECRET_HASH_PREFIX = "hmac_sha256$"  # noqa: S105 — a format tag, not a secret


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secrets: tuple[str, ...]  # candidates, most standard first
    scheme: str  # "basic" or "post"


def hash_client_secret(secret: str) -> str:
    """The stored form of ``secret``: HMAC-SHA-256 under the server pepper."""
    digest = hmac.new(app_settings.client_secret_pepper(), secret.encode(), hashlib.sha256)
    return SECRET_HASH_PREFIX + digest.hexdigest()


def client_secret_matches(client: Client, secret: str) -> bool:
    """True when ``secret`` is ``client``'s; migrates a legacy hash on success."""
    stored = client.secret or ""
    if stored.startswith(SECRET_HASH_PREFIX):
        return hmac.compare_digest(stored, hash_client_secret(secret))
    if not check_password(secret, stored):
        return False
    client.secret = hash_client_secret(secret)
    Client.objects.filter(pk=client.pk).update(secret=client.secret)
    logger.info("oidc client %s secret rehashed to hmac-sha256", client.pk)
    return True


def basic_credentials(header: str) -> Credentials | None:
    """The credentials of an ``Authorization: Basic`` header (RFC 6749 §2.3.1, RFC 7617)."""
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    raw_id, sep, raw_secret = decoded.partition(":")
    if not sep or not raw_id:
        return None
    client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    candidates = [secret]
    if raw_secret != secret:
        candidates.append(raw_secret)
    return Credentials(
        client_id=client_id, secrets=tuple(c for c in candidates if c), scheme="basic"
    )


def presented_credentials(request: HttpRequest) -> Credentials | None:
    """What the caller presents: Basic first, else the body when ``client_secret_post`` is on."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return basic_credentials(header)
    if Client.AuthenticationMethod.CLIENT_SECRET_POST in allauth_settings.AUTH_METHODS:
        client_id = request.POST.get("client_id") or ""
        secret = request.POST.get("client_secret") or ""
        if client_id and secret:
            return Credentials(client_id=client_id, secrets=(secret,), scheme="post")
    return None


def presented_client_id(request: HttpRequest) -> str:
    """The client id the caller claims (for the throttle), or ``""``."""
    credentials = presented_credentials(request)
    if credentials is not None:
        return credentials.client_id
    return request.POST.get("client_id", "") if request.method == "POST" else ""


def _buckets(request: HttpRequest, client_id: str, now: datetime) -> list[tuple[str, int, int]]:
    """``(cache key, limit, seconds left in the window)`` of each throttle bucket."""
    limits = app_settings.client_auth_failure_limits()
    moment = now.timestamp()
    buckets = []
    for kind, subject in (("client", client_id), ("ip", client_ip(request))):
        if not subject or kind not in limits:
            continue
        count, window = limits[kind]
        index = int(moment // window)
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        key = f"platforms.oidc.client_auth_failed:{kind}:{digest}:{index}"
        buckets.append((key, count, max(1, int(window - moment % window))))
    return buckets


def throttled_for(request: HttpRequest, *, client_id: str, now: datetime) -> int | None:
    """Seconds to wait when the client id or the IP is over its failure limit, else None."""
    buckets = _buckets(request, client_id, now)
    counts = cache.get_many([key for key, _limit, _left in buckets])
    waits = [left for key, limit, left in buckets if counts.get(key, 0) >= limit]
    return max(waits) if waits else None


def failure_record(request: HttpRequest, *, client_id: str, now: datetime) -> None:
    """Count one failed client authentication against the client id and the IP."""
    for key, _limit, left in _buckets(request, client_id, now):
        if not cache.add(key, 1, timeout=left + 1):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=left + 1)


def authenticate_client(
    request: HttpRequest, *, now: datetime, count_failure: bool = True
) -> Client | None:
    """The confidential client that authenticates ``request``, or None (failure counted
    unless ``count_failure`` is False: a probe followed by the real check).

    One query (the client row); one more, once, when a legacy hash is migrated.
    The throttle is the caller's: check ``throttled_for`` first.
    """
    credentials = presented_credentials(request)
    client = None
    if credentials is not None:
        # With its platform (reverse one-to-one), which the grants need.
        client = Client.objects.filter(pk=credentials.client_id).select_related("platform").first()
        if client is not None and not any(
            client_secret_matches(client, secret) for secret in credentials.secrets
        ):
            client = None
    if client is None and count_failure:
        failure_record(request, client_id=credentials.client_id if credentials else "", now=now)
    return client
