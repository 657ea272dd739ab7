"""Celery tasks of the import: first-connection emails in batches, back-office jobs.

``first_connection_batch`` runs every ``IMPORTS_FIRST_CONNECTION_INTERVAL`` seconds
(beat) and queues at most ``IMPORTS_FIRST_CONNECTION_BATCH`` emails, oldest
imports first: a million accounts are told over days, at a rate the mail
provider and the support line can take. Idempotent: an account is marked before
its email is queued (after commit), so a rerun never sends it twice.
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import app_settings, services_jobs

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def first_connection_batch() -> int:
    if not app_settings.first_connection_enabled():
        return 0
    return services_jobs.first_connection_send_batch(
        now=timezone.now(), limit=app_settings.first_connection_batch()
    )


@shared_task(ignore_result=True, acks_late=False)
def import_job_run(job_id: int) -> str:
    """Run the back-office import ``job_id`` (no-op unless it is pending)."""
    return services_jobs.import_job_run(job_id=job_id, clock=timezone.now)


def import_job_launch(*, job) -> None:
    """Queue ``job`` (an ``ImportJob``) for a worker after commit (large files)."""
    transaction.on_commit(lambda: import_job_run.delay(job.pk))
