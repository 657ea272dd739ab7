"""``config.cache.lock_count_read`` against a real Redis: one round trip, Django's formats.

The sign-in opens each password attempt with it (``accounts.throttle.begin``); its
round-trip count is what ``tests/accounts/test_signin_cost.py`` pins per sign-in.
"""

import pytest
from redis.connection import Connection

from config.cache import DegradingRedisCache, lock_count_read

pytestmark = pytest.mark.faults


@pytest.fixture
def redis_cache(stack):
    if "redis" not in stack.procs:  # an earlier fault test stopped it and failed
        stack.start_redis()
    cache = DegradingRedisCache(f"redis://127.0.0.1:{stack.redis_port}/3", {})
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def round_trips(monkeypatch):
    """Commands written to a Redis connection: a pipeline writes all of its at once."""
    sent = []
    original = Connection.send_packed_command

    def counted(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counted)
    return sent


def test_lock_counter_and_reads_go_in_one_round_trip(redis_cache, round_trips):
    redis_cache.set("state", {"streak": 2}, 60)
    round_trips.clear()

    opened = lock_count_read(
        redis_cache,
        lock="lock",
        lock_timeout=15,
        keys=["state", "absent"],
        counter="n",
        counter_timeout=180,
    )

    assert len(round_trips) == 1
    assert opened.locked and opened.count == 1
    assert opened.values == {"state": {"streak": 2}}


def test_the_lock_is_held_once_the_counter_counts_every_call_and_reads_back(redis_cache):
    first = lock_count_read(
        redis_cache, lock="lock", lock_timeout=15, keys=[], counter="n", counter_timeout=180
    )
    second = lock_count_read(
        redis_cache, lock="lock", lock_timeout=15, keys=["n"], counter="n", counter_timeout=180
    )

    assert (first.locked, second.locked) == (True, False)
    assert (first.count, second.count) == (1, 2)
    assert second.values == {"n": 2} and redis_cache.get("n") == 2
    client = redis_cache._cache.get_client(write=True)
    assert 0 < client.ttl(redis_cache.make_and_validate_key("lock")) <= 15
    assert 120 < client.ttl(redis_cache.make_and_validate_key("n")) <= 180
    redis_cache.delete("lock")
    assert lock_count_read(redis_cache, lock="lock", lock_timeout=15, keys=[]).locked
