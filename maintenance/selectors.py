"""Which maintenance window is on now, or announced (reads only).

Asked on every request, so each process keeps the windows that have not ended
in memory for ``MAINTENANCE_CACHE_SECONDS`` (one query per process every 30 s,
none per request); a save in the back-office clears that process's copy at
once, the other processes see it within that delay. The list held is every window
ending after the instant it was read, a superset of what any later instant needs.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from . import app_settings
from .models import MaintenanceWindow

_cache: dict = {}
_lock = threading.Lock()


def windows_changed() -> None:
    """Forget the windows held by this process (after a create, change or delete)."""
    with _lock:
        _cache.clear()


def _open_windows(now) -> list[MaintenanceWindow]:
    with _lock:
        held = _cache.get("windows")
        if held is not None and time.monotonic() - _cache["read"] < app_settings.cache_seconds():
            return held
    windows = list(MaintenanceWindow.objects.filter(ends_at__gt=now).order_by("starts_at"))
    with _lock:
        _cache.update(windows=windows, read=time.monotonic())
    return windows


def current_window(*, now) -> MaintenanceWindow | None:
    """The window in progress at ``now`` (start inclusive, end exclusive), earliest end first."""
    current = [w for w in _open_windows(now) if w.starts_at <= now < w.ends_at]
    return min(current, key=lambda w: w.ends_at) if current else None


def announced_window(*, now) -> MaintenanceWindow | None:
    """The next window whose banner period has begun and which has not started yet."""
    for window in _open_windows(now):
        if (
            window.starts_at > now
            and window.starts_at - timedelta(hours=window.banner_hours) <= now
        ):
            return window
    return None
