"""``/healthz``: 200 when the database and the broker answer, else 503.

During a planned maintenance window it still answers (liveness) and says so:
``"maintenance": {"until": ISO-8601, "message": ...}``.
"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from maintenance.selectors import current_window

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database unreachable")
        return False
    return True


def _broker_ok() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("healthz: broker unreachable")
        return False
    return True


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    body = {"status": "ok" if status == 200 else "error", **checks}
    if checks["database"]:
        window = current_window(now=timezone.now())
        if window is not None:
            body["maintenance"] = {"until": window.ends_at.isoformat(), "message": window.message}
    return JsonResponse(body, status=status)
