"""A small fixed-window rate limiter on the shared Django cache (per client IP).

Used by the public lost-credentials form; the cache must be shared by every
process (it is: CACHE_URL) for the limit to hold.
"""

from django.core.cache import cache


def client_ip(request) -> str:
    """The client address, trusting X-Forwarded-For only for TRUSTED_PROXY_COUNT proxies."""
    from django.conf import settings

    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        chain = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(chain) >= proxies:
            return chain[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(*, scope: str, key: str, rates: list[tuple[int, int]], now_ts: float) -> bool:
    """Count one hit; False when any (limit, window seconds) rate is exceeded."""
    allowed = True
    for limit, window in rates:
        bucket = int(now_ts // window)
        cache_key = f"privacy-rl:{scope}:{key}:{window}:{bucket}"
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
        if count > limit:
            allowed = False
    return allowed
