"""Per-account sign-in throttling (CNIL délibération 2022-100 case 2, ASVS 6.3.1).

Rules, per submitted login (the lower-cased email, known or not, so the
behaviour tells nothing about whether an account exists):

- the first ``SECURITY_THROTTLE_FREE_FAILURES`` (5) failures cost nothing;
- each further consecutive failure imposes a delay before the next attempt,
  ``BASE_DELAY * 2**(n - FREE)`` seconds (60 s, 120 s, 240 s, ...), capped at
  ``MAX_DELAY``; an attempt during the delay is refused without checking the
  password and does not count as a failure;
- at most ``SECURITY_THROTTLE_MAX_FAILURES`` (25) failures in a sliding 24-hour
  window: further password attempts are refused, right password or not, until
  the oldest failure leaves the window;
- a successful password sign-in ends the delay streak (the 24-hour count stays);
- at most ``SECURITY_THROTTLE_ADDRESS_MAX_FAILURES`` (10) failures a minute
  (``SECURITY_THROTTLE_ADDRESS_WINDOW``) from one client address, whatever the
  logins (password spraying); allauth's per-address ``login`` limit still caps
  every attempt, failed or not;
- a completed password reset clears everything (the user proved he holds the
  mailbox). Sign-in by code and password reset are never throttled here, so an
  attacker can slow a victim's password sign-in but never lock him out.

Both counts are read in one cache round trip; a right password with no streak
writes nothing. The address count is read, not reserved: parallel failures from
one address on different logins may pass it by the number in flight, which
allauth's per-address ``login`` limit bounds.

State lives in the default cache (Redis in production: shared by every
process). Attempts for one login are serialised with a short cache lock, so a
burst of parallel requests cannot slip past the counter. While Redis is away the
cache (``config.cache.DegradingRedisCache``) serves counts and locks from a
per-process fallback: each process still refuses the 26th failure it sees (a
limit per process, never an open door, never a 500); counts kept during the
outage are not carried back to Redis.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

LOCK_SECONDS = 15


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def free_failures() -> int:
    return _setting("SECURITY_THROTTLE_FREE_FAILURES", 5)


def base_delay() -> int:
    return _setting("SECURITY_THROTTLE_BASE_DELAY", 60)


def max_delay() -> int:
    return _setting("SECURITY_THROTTLE_MAX_DELAY", 3600)


def max_failures() -> int:
    return _setting("SECURITY_THROTTLE_MAX_FAILURES", 25)


def window() -> timedelta:
    return timedelta(seconds=_setting("SECURITY_THROTTLE_WINDOW", 24 * 3600))


def address_max_failures() -> int:
    return _setting("SECURITY_THROTTLE_ADDRESS_MAX_FAILURES", 10)


def address_window() -> timedelta:
    return timedelta(seconds=_setting("SECURITY_THROTTLE_ADDRESS_WINDOW", 60))


def _key(login: str, suffix: str) -> str:
    # Hashed so that no email sits in the cache in clear.
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()
    return f"security:throttle:{suffix}:{digest}"


@dataclass
class Verdict:
    """Whether a password attempt may be checked now; if not, until when."""

    allowed: bool
    retry_at: datetime | None = None
    locked: bool = False  # True when the 24-hour cap, not the delay, refuses
    by_address: bool = False  # True when the client address's count refuses
    streak: int = 0  # consecutive failures when allowed (read under the per-login lock)

    def wait_seconds(self, *, now: datetime) -> int:
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - now).total_seconds()))


def _state(stored: dict | None, *, now: datetime) -> dict:
    stored = stored or {}
    horizon = (now - window()).timestamp()
    failures = [ts for ts in stored.get("failures", []) if ts > horizon]
    return {"failures": failures, "streak": int(stored.get("streak", 0))}


def _recent(stored: list | None, *, now: datetime) -> list[float]:
    horizon = (now - address_window()).timestamp()
    return [ts for ts in stored or [] if ts > horizon]


def _load(login: str, *, now: datetime) -> dict:
    return _state(cache.get(_key(login, "state")), now=now)


def _load_both(login: str, address: str, *, now: datetime) -> tuple[dict, list[float]]:
    """The login's state and the address's recent failures, in one round trip."""
    keys = [_key(login, "state"), _key(address, "address")] if address else [_key(login, "state")]
    stored = cache.get_many(keys)
    recent = _recent(stored.get(keys[1]), now=now) if address else []
    return _state(stored.get(keys[0]), now=now), recent


def _store(login: str, state: dict) -> None:
    cache.set(_key(login, "state"), state, timeout=int(window().total_seconds()) + 60)


def delay_for(streak: int) -> int:
    """Seconds to wait after ``streak`` consecutive failures (0 within the free ones)."""
    if streak < free_failures():
        return 0
    return min(base_delay() * 2 ** (streak - free_failures()), max_delay())


def check(login: str, *, now: datetime, address: str = "") -> Verdict:
    """May a password attempt for ``login`` from ``address`` be checked at ``now``? Reads only."""
    state, recent = _load_both(login, address, now=now)
    if len(recent) >= address_max_failures():
        oldest_counted = recent[-address_max_failures()]
        retry = datetime.fromtimestamp(oldest_counted, tz=now.tzinfo) + address_window()
        return Verdict(allowed=False, retry_at=retry, by_address=True)
    failures = state["failures"]
    if len(failures) >= max_failures():
        oldest_counted = failures[-max_failures()]
        retry = datetime.fromtimestamp(oldest_counted, tz=now.tzinfo) + window()
        return Verdict(allowed=False, retry_at=retry, locked=True)
    delay = delay_for(state["streak"])
    if delay and failures:
        retry = datetime.fromtimestamp(failures[-1], tz=now.tzinfo) + timedelta(seconds=delay)
        if now < retry:
            return Verdict(allowed=False, retry_at=retry)
    return Verdict(allowed=True, streak=state["streak"])


def record_failure(login: str, *, now: datetime, address: str = "") -> None:
    """Count one failed password attempt for ``login`` (and ``address``) at ``now``."""
    state, recent = _load_both(login, address, now=now)
    state["failures"].append(now.timestamp())
    state["streak"] += 1
    _store(login, state)
    if address:
        recent.append(now.timestamp())
        timeout = int(address_window().total_seconds()) + 60
        cache.set(_key(address, "address"), recent, timeout=timeout)


def record_success(login: str, *, now: datetime, verdict: Verdict | None = None) -> None:
    """A right password: end the delay streak; the 24-hour count is kept.

    ``verdict`` is the ``check`` this attempt made under the per-login lock: with no
    streak then there is nothing to end, and nothing is read or written (the
    lock means no failure of the same login came in between).
    """
    if verdict is not None and not verdict.streak:
        return
    state = _load(login, now=now)
    if state["streak"]:
        state["streak"] = 0
        _store(login, state)


def reset(login: str) -> None:
    """Forget every failure of ``login`` (after a completed password reset)."""
    cache.delete(_key(login, "state"))


def acquire(login: str) -> bool:
    """Take the per-login lock; False when another attempt is being checked."""
    return cache.add(_key(login, "lock"), 1, timeout=LOCK_SECONDS)


def release(login: str) -> None:
    cache.delete(_key(login, "lock"))
