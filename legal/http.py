"""What a request says about where it comes from (IP address, user agent)."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX_LENGTH = 512


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, trusting exactly ``TRUSTED_PROXY_COUNT`` proxies.

    With 0 trusted proxies, ``REMOTE_ADDR``. With N, the N-th address from the
    right of X-Forwarded-For (the one our outermost proxy saw); addresses further
    left were written by the client and are ignored. A header shorter than N was
    written by our proxies only, so its leftmost entry is used.
    """
    count = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.headers.get("x-forwarded-for", "")
    if count > 0 and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            candidate = addresses[-count] if len(addresses) >= count else addresses[0]
            ip = _valid_ip(candidate)
            if ip:
                return ip
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def user_agent(request: HttpRequest) -> str:
    """The browser's user agent, cut to what the acceptance record stores."""
    return request.headers.get("user-agent", "")[:USER_AGENT_MAX_LENGTH]
