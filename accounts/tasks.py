"""Celery tasks of the accounts app: the emails queued by ``accounts.emails``, session housekeeping.

Tasks are thin and idempotent: a provider failure worth retrying is retried
with exponential backoff (30 s doubling, at most one hour, bounded by
``email_max_retries``); a redelivered task whose email already left (marked in
the cache under the task id) does not send it again; a recipient the provider
refuses is logged, not retried.
"""

import logging
import smtplib

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from celery import shared_task
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from . import app_settings
from .sessions import sessions_purge

logger = logging.getLogger(__name__)


def _sent_key(task_id: str) -> str:
    return f"accounts:email_sent:{task_id}"


# max_retries=None: the bound is ``email_max_retries()`` (read at call time), not
# Celery's default of 3.
@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def email_send(self, *, subject: str, body: str, to: list[str], html: str = "") -> str:
    """Send one already-rendered email; "sent", "duplicate", "refused" or "given_up"."""
    task_id = self.request.id
    if task_id and cache.get(_sent_key(task_id)):
        return "duplicate"
    message = EmailMultiAlternatives(subject=subject, body=body, to=list(to))
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except AnymailRecipientsRefused:
        logger.warning("email %r refused by the provider for %s", subject, to)
        return "refused"
    except (AnymailError, smtplib.SMTPException, OSError) as exc:
        retries = self.request.retries or 0
        if retries >= app_settings.email_max_retries():
            logger.error("email %r to %s given up after %s retries: %s", subject, to, retries, exc)
            return "given_up"
        raise self.retry(exc=exc, countdown=min(3600, 30 * 2**retries)) from exc
    if task_id:
        cache.set(_sent_key(task_id), 1, timeout=app_settings.email_sent_marker_seconds())
    return "sent"


@shared_task(ignore_result=True)
def sessions_purge_task() -> dict[str, int]:
    """Daily: expired web sessions and stale user-session rows go (``sessions.sessions_purge``)."""
    return sessions_purge(now=timezone.now())
