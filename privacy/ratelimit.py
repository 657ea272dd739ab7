"""A small fixed-window rate limiter on the shared Django cache (per client IP).

The key is the caller's choice; the public views use ``accounts.security.client_ip``.

Used by the public lost-credentials form; the cache must be shared by every
process (it is: CACHE_URL) for the limit to hold.
"""

from django.core.cache import cache


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
