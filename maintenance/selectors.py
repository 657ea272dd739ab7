"""Which maintenance window is on now, or announced (reads only).

Every page asks, so the schedule is read once per process and reused while
``now`` stays within ``MAINTENANCE_SCHEDULE_CACHE_SECONDS`` (default 30) of the
read: at most one query every 30 seconds per process instead of two per request.
A window saved or deleted in this process clears the cache at once
(``maintenance.models`` signals); other processes see it within those seconds.
"""

from __future__ import annotations

from datetime import timedelta
from threading import Lock

from django.conf import settings

from .models import MaintenanceWindow

HORIZON = timedelta(days=31)
_lock = Lock()
_cache: dict = {}


def _ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "MAINTENANCE_SCHEDULE_CACHE_SECONDS", 30))


def schedule_forget() -> None:
    """Drop this process's copy of the schedule (a window was saved or deleted)."""
    with _lock:
        _cache.clear()


def _schedule(*, now) -> list[MaintenanceWindow]:
    """Windows not over at ``now`` and starting within 31 days, by start (cached)."""
    with _lock:
        read_at = _cache.get("read_at")
        if read_at is not None and read_at <= now < read_at + _ttl():
            return _cache["windows"]
    windows = list(
        MaintenanceWindow.objects.filter(ends_at__gt=now, starts_at__lte=now + HORIZON).order_by(
            "starts_at"
        )
    )
    with _lock:
        _cache.update(read_at=now, windows=windows)
    return windows


def current_window(*, now) -> MaintenanceWindow | None:
    """The window in progress at ``now`` (start inclusive, end exclusive)."""
    on = [w for w in _schedule(now=now) if w.starts_at <= now < w.ends_at]
    return min(on, key=lambda w: w.ends_at) if on else None


def announced_window(*, now) -> MaintenanceWindow | None:
    """The next window whose banner period has begun and which has not started yet."""
    for window in _schedule(now=now):
        if (
            window.starts_at > now
            and window.starts_at - timedelta(hours=window.banner_hours) <= now
        ):
            return window
    return None
