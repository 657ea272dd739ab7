"""Which maintenance window is on now, or announced (reads only; one query each)."""

from __future__ import annotations

from datetime import timedelta

from .models import MaintenanceWindow


def current_window(*, now) -> MaintenanceWindow | None:
    """The window in progress at ``now`` (start inclusive, end exclusive)."""
    return (
        MaintenanceWindow.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at")
        .first()
    )


def announced_window(*, now) -> MaintenanceWindow | None:
    """The next window whose banner period has begun and which has not started yet."""
    upcoming = MaintenanceWindow.objects.filter(starts_at__gt=now).order_by("starts_at")
    for window in upcoming.filter(starts_at__lte=now + timedelta(days=31))[:5]:
        if window.starts_at - timedelta(hours=window.banner_hours) <= now:
            return window
    return None
