"""Writes around the import: first-connection emails and back-office import jobs.

- ``first_connection_send_batch`` marks up to ``limit`` imported accounts that
  have not been told and queues their email after commit (one link each to
  choose a password: allauth's password-reset key, so the usual password rules
  apply); accounts no longer active are skipped (never told to sign in).
- ``import_job_run`` runs one ``ImportJob`` through ``accounts_import`` and
  stores its progress and report on the row as it goes; the uploaded files
  are deleted once it has run (they hold personal data).
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook

from accounts.emails import email_queue
from accounts.models import AccountState

from . import readers, services
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
        import_files_remove(job=job)
        raise
    import_files_remove(job=job)
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


def upload_store(*, files, now) -> list[Path]:
    """Save uploaded files under PRIVATE_MEDIA_ROOT/imports/<random>/ (outside the web root)."""
    folder = (
        Path(settings.PRIVATE_MEDIA_ROOT)
        / "imports"
        / f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(6)}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for upload in files:
        name = Path(upload.name).name or "fichier.csv"
        path = folder / name
        with open(path, "wb") as handle:
            for block in upload.chunks():
                handle.write(block)
        paths.append(path)
    return paths


def row_count(path: Path) -> int:
    """Data rows of a file, cheaply (lines for CSV, the sheet's extent for XLSX)."""
    if readers.is_xlsx(path):
        workbook = load_workbook(path, read_only=True)
        try:
            return max(0, (workbook.worksheets[0].max_row or 1) - 1)
        finally:
            workbook.close()
    with open(path, "rb") as handle:
        return max(
            0, sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1
        )


def import_job_create(
    *, paths: list[Path], names: list[str], actor, valid_only: bool, now
) -> ImportJob:
    """A pending job for ``paths`` (run inline by the back-office or by Celery)."""
    return ImportJob.objects.create(
        created_at=now,
        created_by=actor,
        file_names=names,
        paths=[str(p) for p in paths],
        valid_only=valid_only,
    )


def import_files_remove(*, job: ImportJob) -> None:
    """Delete the uploaded files of a finished job (they hold personal data)."""
    folders = {Path(p).parent for p in job.paths}
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
