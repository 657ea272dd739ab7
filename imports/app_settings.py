"""Tunables of the import of existing accounts, read from Django settings at call time."""

from django.conf import settings


def chunk_size() -> int:
    """Rows validated and written together (IMPORTS_CHUNK_SIZE, default 5,000)."""
    return int(getattr(settings, "IMPORTS_CHUNK_SIZE", 5000))


def admin_max_rows() -> int:
    """Largest file imported inline by the back-office; larger ones go to Celery (10,000)."""
    return int(getattr(settings, "IMPORTS_ADMIN_MAX_ROWS", 10_000))


def first_connection_batch() -> int:
    """First-connection emails queued per run of the batch task (default 500).

    The task runs every IMPORTS_FIRST_CONNECTION_INTERVAL seconds (beat), so the
    rate is at most ``batch / interval``: 500 every 10 minutes = 72,000 a day.
    """
    return int(getattr(settings, "IMPORTS_FIRST_CONNECTION_BATCH", 500))


def first_connection_interval() -> int:
    """Seconds between two batches of first-connection emails (default 600)."""
    return int(getattr(settings, "IMPORTS_FIRST_CONNECTION_INTERVAL", 600))


def first_connection_enabled() -> bool:
    """Whether the batch task sends at all (IMPORTS_FIRST_CONNECTION_ENABLED, default False).

    Off by default: OPCO switches it on once the import is checked, on day one.
    """
    return bool(getattr(settings, "IMPORTS_FIRST_CONNECTION_ENABLED", False))
