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
  logins (password spraying);
- at most ``SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS`` (30) password attempts a
  minute from one client address, right or wrong (a sliding-window counter: this
  minute's count plus last minute's, weighted by the share of last minute still in
  the window); every attempt counts, refused ones included;
- a completed password reset clears everything (the user proved he holds the
  mailbox). Sign-in by code and password reset are never throttled here, so an
  attacker can slow a victim's password sign-in but never lock him out.

An attempt opens with one cache round trip (``begin``: the attempt counted, the
login's lock taken, both failure counts read) and a right password with no streak
then writes nothing but the lock's release. The address's failure count is read,
not reserved: parallel failures from one address on different logins may pass it
by the number in flight, which the attempts count bounds.

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

from config import cache as cache_layer

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


def address_max_attempts() -> int:
    return _setting("SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS", 30)


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
    by_address: bool = False  # True when the client address's count of failures refuses
    attempts: bool = False  # True when the client address's count of attempts refuses
    busy: bool = False  # True when another attempt for the login holds its lock
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


def _attempts_key(address: str, period: int) -> str:
    return _key(address, f"attempts:{period}")


def _store(login: str, state: dict) -> None:
    cache.set(_key(login, "state"), state, timeout=int(window().total_seconds()) + 60)


def delay_for(streak: int) -> int:
    """Seconds to wait after ``streak`` consecutive failures (0 within the free ones)."""
    if streak < free_failures():
        return 0
    return min(base_delay() * 2 ** (streak - free_failures()), max_delay())


def begin(login: str, *, now: datetime, address: str = "") -> Verdict:
    """Open a password attempt for ``login`` from ``address`` at ``now``: one cache round trip.

    Counts the attempt against ``address`` (when given), takes the login's lock and
    reads the login's failures and the address's. The lock is the caller's exactly
    when the verdict is ``allowed``: he checks the password, records the outcome and
    calls ``release``. ``busy``: another attempt holds the lock (nothing to release);
    any other refusal released it here.
    """
    keys = [_key(login, "state")]
    counter = None
    if address:
        length = address_window().total_seconds()
        period = int(now.timestamp() // length)
        counter = _attempts_key(address, period)
        keys += [_key(address, "address"), _attempts_key(address, period - 1)]
    opened = cache_layer.lock_count_read(
        cache,
        lock=_key(login, "lock"),
        lock_timeout=LOCK_SECONDS,
        keys=keys,
        counter=counter,
        counter_timeout=2 * int(address_window().total_seconds()) + 60,
    )
    if not opened.locked:
        return Verdict(allowed=False, busy=True)
    state = _state(opened.values.get(keys[0]), now=now)
    verdict = None
    if address:
        recent = _recent(opened.values.get(keys[1]), now=now)
        previous = int(opened.values.get(keys[2]) or 0)
        verdict = _address_verdict(opened.count, previous, recent, now=now)
    verdict = verdict or _login_verdict(state, now=now)
    if not verdict.allowed:
        release(login)
    return verdict


def _address_verdict(count: int, previous: int, recent: list[float], *, now) -> Verdict | None:
    """The refusal the address's counts impose, or None."""
    length = address_window().total_seconds()
    period_start = (now.timestamp() // length) * length
    still_in_window = 1 - (now.timestamp() - period_start) / length
    if count + previous * still_in_window > address_max_attempts():
        retry = datetime.fromtimestamp(period_start + length, tz=now.tzinfo)
        return Verdict(allowed=False, retry_at=retry, attempts=True)
    if len(recent) >= address_max_failures():
        oldest_counted = recent[-address_max_failures()]
        retry = datetime.fromtimestamp(oldest_counted, tz=now.tzinfo) + address_window()
        return Verdict(allowed=False, retry_at=retry, by_address=True)
    return None


def _login_verdict(state: dict, *, now: datetime) -> Verdict:
    """The login's delay and 24-hour cap."""
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

    ``verdict`` is the ``begin`` of this attempt, made under the per-login lock: with no
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


def release(login: str) -> None:
    cache.delete(_key(login, "lock"))
