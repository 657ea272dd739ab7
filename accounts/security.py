"""Security helpers shared by the adapter, the throttles and the middleware.

- ``client_ip``: the client address as seen by the first proxy we trust. Only
  the last ``TRUSTED_PROXY_COUNT`` entries of X-Forwarded-For are written by our
  own proxies; anything to their left is client-controlled and ignored.
- ``safe_next``: a redirect target from the request, kept only when it stays on
  this site (no open redirect).
- ``has_mfa``: whether a user holds a second factor (TOTP or WebAuthn key;
  recovery codes alone do not count).
- ``admin_login``: replaces the Django admin's own sign-in form, which allauth's
  rate limits, our throttles and MFA do not cover, by a redirect to allauth's.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


@lru_cache(maxsize=4096)
def _clean(candidate: str) -> str | None:
    """The address in its canonical form, or None (a sign-in asks four times per request)."""
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """Return the client's IP address, trusting exactly ``TRUSTED_PROXY_COUNT`` proxies.

    With no trusted proxy, REMOTE_ADDR. With N trusted proxies, the N-th entry
    from the right of X-Forwarded-For (the address our outermost proxy saw). A
    header shorter than N means the request did not come through our proxies:
    REMOTE_ADDR is used, so a forged header never chooses the rate-limit bucket.
    """
    remote = _clean(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"  # noqa: S104
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < count:
        return remote
    return _clean(forwarded[-count]) or remote


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    """``candidate`` when it points to this site (and to HTTPS from HTTPS), else ``default``."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def has_mfa(user) -> bool:
    """True when ``user`` can pass a second factor (TOTP or a security key)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def admin_login(request: HttpRequest, extra_context=None):
    """The Django admin's sign-in, sent through allauth's (throttles, rate limits, MFA).

    A signed-in user who is not staff gets 403 rather than a redirect loop.
    """
    next_url = safe_next(request, request.GET.get("next"), reverse("admin:index"))
    if request.user.is_authenticated:
        if not request.user.is_staff:
            raise PermissionDenied
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(
        f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"
    )
