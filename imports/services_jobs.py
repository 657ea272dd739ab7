"""Writes around the import: first-connection emails and back-office import jobs.

- ``first_connection_send_batch`` marks up to ``limit`` imported accounts that
  have not been told and queues their email after commit (one link each to
  choose a password: allauth's password-reset key, so the usual password rules
  apply); accounts no longer active are skipped (never told to sign in).
- ``import_job_run`` runs one ``ImportJob`` through ``accounts_import`` and
  stores its progress and report on the row as it goes.
"""

from __future__ import annotations

from pathlib import Path

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.emails import email_queue
from accounts.models import AccountState

from . import services
from .models import ImportedAccount, ImportJob


def first_connection_url(user) -> str:
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SITE_URL.rstrip("/") + path.replace("UID-KEY", key)


def first_connection_send_batch(*, now, limit: int) -> int:
    """Queue at most ``limit`` first-connection emails; return how many."""
    with transaction.atomic():
        rows = list(
            ImportedAccount.objects.select_for_update(skip_locked=True)
            .filter(first_connection_sent_at__isnull=True)
            .filter(user__state__in=[AccountState.ACTIVE, AccountState.WARNED])
            .select_related("user")
            .order_by("imported_at", "user_id")[:limit]
        )
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        for row in rows:
            context = {"user": row.user, "url": first_connection_url(row.user), "days": days}
            email_queue(
                subject=render_to_string(
                    "imports/email/first_connection_subject.txt", context
                ).strip(),
                body=render_to_string("imports/email/first_connection_message.txt", context),
                to=[row.user.email],
            )
        ImportedAccount.objects.filter(pk__in=[r.pk for r in rows]).update(
            first_connection_sent_at=now
        )
    return len(rows)


def progress_key(job_id: int) -> str:
    return f"imports:job:{job_id}:progress"


def job_progress(job: ImportJob) -> int:
    """Percent done: the cache while running, the row once finished."""
    if job.status == ImportJob.Status.RUNNING:
        return int(cache.get(progress_key(job.pk), 0))
    return job.progress


def import_job_run(*, job_id: int, clock) -> str:
    """Run a pending job; its row shows progress, then the counts and the first errors."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.get(pk=job_id)
    last = {"value": -1}

    def progress(_label: str, fraction: float) -> None:
        # The import runs in one transaction: its own writes stay invisible until
        # the end, so progress goes through the shared cache, read by the back-office.
        value = int(fraction * 100)
        if value != last["value"]:
            last["value"] = value
            cache.set(progress_key(job_id), value, timeout=24 * 3600)

    try:
        report = services.accounts_import(
            paths=[Path(p) for p in job.paths],
            now=clock(),
            dry_run=job.dry_run,
            valid_only=job.valid_only,
            progress=progress,
        )
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED, finished_at=clock()
        )
        raise
    status = (
        ImportJob.Status.DONE
        if report.committed or (report.dry_run and not report.error_count)
        else ImportJob.Status.REJECTED
    )
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        progress=100,
        counts=report.counts,
        errors=[services.format_error(e) for e in report.errors],
        finished_at=clock(),
    )
    return status
