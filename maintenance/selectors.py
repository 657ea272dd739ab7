"""Which maintenance window is on now, or announced (reads only).

Asked on every request, so the windows that have not ended are kept in the
shared cache for ``CACHE_SECONDS`` (the back-office's saves clear it): no query
per request. The cached list is every window ending after the instant it was
read, a superset of what any later instant needs.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache

from .models import MaintenanceWindow

CACHE_KEY = "maintenance:windows"
CACHE_SECONDS = 60


def windows_changed() -> None:
    """Forget the cached windows (after a window is created, changed or deleted)."""
    cache.delete(CACHE_KEY)


def _open_windows(now) -> list[MaintenanceWindow]:
    windows = cache.get(CACHE_KEY)
    if windows is None:
        windows = list(MaintenanceWindow.objects.filter(ends_at__gt=now).order_by("starts_at"))
        cache.set(CACHE_KEY, windows, CACHE_SECONDS)
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
