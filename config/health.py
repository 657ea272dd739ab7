"""Health that tells the truth fast.

- ``/healthz`` (liveness): the process answers; it touches no dependency, so it
  answers in milliseconds even while the database, Redis or the broker is dead
  (a liveness probe that waits on a dependency gets healthy processes killed).
- ``/readyz`` (readiness): the database, the cache and the broker, each with a
  short timeout (the database's ``connect_timeout``, the cache's socket timeout,
  half a second for the broker), plus the background processes' heartbeats.
  503 only when the database is unreachable: without Redis the site still signs
  people in (config/cache.py) and without the broker mails wait in the outbox,
  so taking every web process out of rotation for either would turn a degraded
  service into an outage. Every failure is named in the body.
- During a planned maintenance window both say so:
  ``"maintenance": {"until": ISO-8601, "message": ...}``. ``/healthz`` reads the
  window only over a database connection this thread already holds, so it never
  waits for a connection to a dead database.
"""

import logging

from django.core.cache import caches
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.cache import DegradingRedisCache
from config.celery import app
from lifecycle.selectors import background_health
from maintenance.selectors import current_window

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 0.5


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("readyz: database unreachable")
        return False
    return True


def _cache_ok() -> bool:
    try:
        backend = caches["default"]
        if isinstance(backend, DegradingRedisCache):
            return backend.ping()  # Redis itself, not its fallback
        backend.set("readyz:probe", 1, timeout=5)
        return backend.get("readyz:probe") == 1
    except Exception:
        logger.exception("readyz: cache unreachable")
        return False


def _broker_ok() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
    except Exception:
        logger.exception("readyz: broker unreachable")
        return False
    return True


@never_cache
@require_GET
def healthz(request):
    """Liveness: 200 as long as this process serves requests."""
    body = {"status": "ok"}
    window = _maintenance_window(open_connection_only=True)
    if window is not None:
        body["maintenance"] = window
    return JsonResponse(body)


def _maintenance_window(*, open_connection_only: bool) -> dict | None:
    """The maintenance window in progress, or None (also when it cannot be read)."""
    if open_connection_only and connection.connection is None:
        return None
    try:
        window = current_window(now=timezone.now())
    except Exception:
        logger.warning("health: maintenance window unreadable", exc_info=True)
        return None
    if window is None:
        return None
    return {"until": window.ends_at.isoformat(), "message": window.message}


@never_cache
@require_GET
def readyz(request):
    """Readiness: database, cache, broker and heartbeats (see the module docstring)."""
    checks = {"database": _database_ok(), "cache": _cache_ok(), "broker": _broker_ok()}
    background = background_health(now=timezone.now()) if checks["database"] else []
    if not checks["database"]:
        status, code = "error", 503
    elif all(checks.values()) and not any(item["stale"] for item in background):
        status, code = "ok", 200
    else:
        status, code = "degraded", 200
    body = {
        "status": status,
        **checks,
        "heartbeats": {
            item["name"]: {
                "seen_at": item["seen_at"].isoformat() if item["seen_at"] else None,
                "stale": item["stale"],
            }
            for item in background
        },
    }
    window = _maintenance_window(open_connection_only=False) if checks["database"] else None
    if window is not None:
        body["maintenance"] = window
    return JsonResponse(body, status=code)
