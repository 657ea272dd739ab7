"""Celery tasks of the lifecycle: sending notices, the hourly sweep.

Tasks are thin and idempotent; they take ids and read the clock once.
A notice's task retries with exponential backoff; when its retries run out the
notice stays pending and the next sweep queues it again, so no mail is lost.
"""

import logging
import socket
import time

from celery import shared_task
from django.utils import timezone

from . import app_settings, notices
from .models import Heartbeat
from .sweep import lifecycle_sweep

logger = logging.getLogger(__name__)


# max_retries=None: the bound is LIFECYCLE_NOTICE_MAX_RETRIES, checked below
# (Celery's default of 3 would stop the quick retries before it).
@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def notice_send(self, notice_id: int) -> str:
    """Send the outbox notice ``notice_id`` (no-op when already sent or held)."""
    try:
        return notices.notice_deliver(notice_id=notice_id, clock=timezone.now)
    except notices.TransientSendError as exc:
        retries = self.request.retries or 0
        if retries >= app_settings.notice_max_retries():
            logger.warning("notice %s left for the sweep after %s retries", notice_id, retries)
            return "deferred"
        countdown = min(app_settings.notice_retry_max_countdown(), 30 * 2**retries)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(ignore_result=True)
def lifecycle_sweep_task() -> dict:
    """The hourly sweep (beat, see config/settings/schedule.py)."""
    return lifecycle_sweep(now=timezone.now()).as_dict()


@shared_task(ignore_result=True)
def notices_dispatch_task() -> dict:
    """Drain the outbox at the provider's rate (beat, every minute).

    Picks up stranded notices within minutes (a lost task, a killed worker, retries
    run out) rather than at the next sweep.
    """
    return notices.notices_dispatch(clock=timezone.now, sleep=time.sleep)


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    """The worker's sign of life (beat sends it every minute; shown in the back-office)."""
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"seen_at": timezone.now(), "hostname": socket.gethostname()}
    )
