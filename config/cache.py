"""A Redis cache that degrades instead of failing: Redis is a cache, not a dependency.

``DegradingRedisCache`` is Django's ``RedisCache`` with three changes:

- short socket timeouts (``socket_connect_timeout`` / ``socket_timeout``, default
  0.25 s), so a dead or black-holed Redis costs a request at most a fraction of a
  second, once;
- every Redis error (``redis.RedisError``, ``OSError``) is caught and logged once
  per outage; the call is then served by a per-process in-memory cache
  (``LocMemCache``), and Redis is not tried again for ``RETRY_AFTER`` seconds
  (default 5), so an outage costs one timeout per process per few seconds, not one
  per call;
- while Redis is away, what the site keeps in the cache (the CGU timeline, the
  sign-in throttle's counts and locks, allauth's rate limits) lives in that
  per-process fallback: each process counts on its own, so a limit is enforced per
  process (never an open door), and nothing answers 500.

When Redis comes back, reads go to it again; the values written to the fallback
during the outage are not copied over (a cache may forget). Sessions are in the
database (``SESSION_ENGINE`` is ``accounts.sessions``, Django's database store), never in
this cache.

Django builds one cache object per thread; the fallback store and the outage
state are shared by every thread of the process (keyed by the Redis location).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import NamedTuple

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (RedisError, OSError)

# location -> monotonic instant until which Redis is not tried again.
_down_until: dict[str, float] = {}
_state_lock = threading.Lock()


class Opened(NamedTuple):
    """What ``lock_count_read`` found: whether the lock is now the caller's, the
    counter's new value (None without a counter), the values read (missing keys left out)."""

    locked: bool
    count: int | None
    values: dict


def lock_count_read(
    cache, *, lock: str, lock_timeout: int, keys: list[str], counter=None, counter_timeout=0
) -> Opened:
    """Take ``lock`` (``add``), add one to ``counter`` (made with ``counter_timeout``
    seconds when absent) and read ``keys`` (``get_many``), in this order.

    One round trip on ``DegradingRedisCache`` (a pipeline); any other cache makes the
    calls one by one. Each step is atomic on its own, which is all a caller needs: the
    counter counts every call, the lock is held by one caller at a time.
    """
    arguments = {
        "lock": lock,
        "lock_timeout": lock_timeout,
        "keys": keys,
        "counter": counter,
        "counter_timeout": counter_timeout,
    }
    method = getattr(cache, "lock_count_read", None)
    if method is not None:
        return method(**arguments)
    return _lock_count_read_by_calls(cache, **arguments)


def _lock_count_read_by_calls(cache, *, lock, lock_timeout, keys, counter, counter_timeout):
    locked = cache.add(lock, 1, timeout=lock_timeout)
    count = None
    if counter is not None:
        cache.add(counter, 0, timeout=counter_timeout)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between the two calls
            cache.set(counter, 1, timeout=counter_timeout)
            count = 1
    return Opened(bool(locked), count, cache.get_many(keys))


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every cache call, and redis-py fills a
    table of about 200 response callbacks each time: 0.1 ms of CPU per call, a
    dozen calls per sign-in. A ``redis.Redis`` is safe to share between threads
    (each command borrows a connection from the pool), so one per pool is enough.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in self._pools:
                self._pools[index] = self._pool_class.from_url(
                    self._servers[index], **self._pool_options
                )
            client = self._clients[index] = self._client(connection_pool=self._pools[index])
        return client


class DegradingRedisCache(RedisCache):
    """``RedisCache`` whose errors fall back to a per-process memory cache."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._retry_after = float(options.pop("RETRY_AFTER", 5))
        fallback_entries = int(options.pop("FALLBACK_MAX_ENTRIES", 10_000))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._outage_key = str(server)
        # LocMemCache instances with the same name share one store per process.
        self._fallback = LocMemCache(
            f"degrading-redis-fallback:{self._outage_key}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": fallback_entries, "CULL_FREQUENCY": 3},
            },
        )

    # --- the outage state ----------------------------------------------------

    def redis_available(self) -> bool:
        """False while Redis is considered down (an error less than RETRY_AFTER ago)."""
        return _down_until.get(self._outage_key, 0.0) <= time.monotonic()

    def ping(self) -> bool:
        """Whether Redis itself answers now (readiness); never served by the fallback."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except CACHE_ERRORS as exc:
            self._mark_down("ping", exc)
            return False

    def _mark_down(self, operation: str, exc: Exception) -> None:
        with _state_lock:
            was_up = _down_until.get(self._outage_key, 0.0) <= time.monotonic()
            _down_until[self._outage_key] = time.monotonic() + self._retry_after
        if was_up:
            logger.warning(
                "cache: Redis unavailable, serving from the per-process fallback",
                extra={"operation": operation, "error": repr(exc)},
            )

    def _call(self, operation: str, *args, **kwargs):
        if self.redis_available():
            try:
                return getattr(super(), operation)(*args, **kwargs)
            except CACHE_ERRORS as exc:
                self._mark_down(operation, exc)
        return getattr(self._fallback, operation)(*args, **kwargs)

    # --- Django's cache API ---------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")

    # --- several calls in one round trip ----------------------------------------

    def lock_count_read(self, **arguments) -> Opened:
        """``config.cache.lock_count_read`` as one pipeline (SET NX, INCR, EXPIRE, MGET),
        values in Django's own format (a counter made here reads back with ``get``)."""
        if self.redis_available():
            try:
                return self._lock_count_read_pipelined(**arguments)
            except CACHE_ERRORS as exc:
                self._mark_down("lock_count_read", exc)
        return _lock_count_read_by_calls(self._fallback, **arguments)

    def _lock_count_read_pipelined(self, *, lock, lock_timeout, keys, counter, counter_timeout):
        client = self._cache.get_client(write=True)
        serializer = self._cache._serializer
        pipe = client.pipeline(transaction=False)
        pipe.set(
            self.make_and_validate_key(lock),
            serializer.dumps(1),
            ex=self.get_backend_timeout(lock_timeout),
            nx=True,
        )
        if counter is not None:
            counter_key = self.make_and_validate_key(counter)
            pipe.incr(counter_key)
            pipe.expire(counter_key, self.get_backend_timeout(counter_timeout))
        pipe.mget([self.make_and_validate_key(key) for key in keys])
        answers = pipe.execute()
        raw = answers[-1]
        values = {
            key: serializer.loads(value)
            for key, value in zip(keys, raw, strict=True)
            if value is not None
        }
        count = int(answers[1]) if counter is not None else None
        return Opened(bool(answers[0]), count, values)
