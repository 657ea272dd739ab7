"""The sweep: every due lifecycle action, none twice, none skipped.

Run hourly by beat (``lifecycle.tasks.lifecycle_sweep_task``) and by hand with
``manage.py lifecycle_sweep [--now ISO] [--dry-run]``.

Invariants:
- due accounts are found with set-based queries (a fixed number per run, not
  per account left alone); each action then runs in its own short transaction
  that locks the account with ``select_for_update(skip_locked=True)`` and
  re-checks the condition, so a concurrent sign-in or reactivation wins;
- one step per account per run, and a step is due only once the previous
  step's notice was accepted and its days have passed: after an outage an
  account overdue for a warning gets the warning and its full 15 days;
- staff and superusers are never warned, deactivated or deleted (they are
  listed for review in the back-office instead);
- two sweeps never run at once: a PostgreSQL advisory lock, or elsewhere a
  lease row (``SweepLock``) that a killed sweep gives up when it expires.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AccountState, User

from . import app_settings, calendar, notices, services
from .models import SweepLock

logger = logging.getLogger(__name__)

LOCK_NAME = "lifecycle_sweep"
ADVISORY_KEY = 0x4C494645  # "LIFE"


@dataclass
class SweepSummary:
    """What a sweep did (or, in a dry run, would do): account ids per step."""

    now: str
    dry_run: bool = False
    locked_out: bool = False
    warned: list[int] = field(default_factory=list)
    deactivated: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    notices_requeued: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def counts(self) -> dict[str, int]:
        return {
            "warned": len(self.warned),
            "deactivated": len(self.deactivated),
            "deleted": len(self.deleted),
            "notices_requeued": len(self.notices_requeued),
            "skipped": len(self.skipped),
        }


# --- Who is due (set-based) -------------------------------------------------


def _subject_to_sweep():
    return User.objects.filter(is_staff=False, is_superuser=False)


def _clock_running_before(cutoff) -> Q:
    """Accounts whose step clock started strictly before ``cutoff``."""
    running = Q(notice_failed_at__isnull=True, notice_sent_at__lt=cutoff)
    if app_settings.proceed_without_notice():
        running |= Q(notice_failed_at__lt=cutoff)
    return running


def due_for_deletion(*, now):
    """Deactivated accounts whose notice's days have passed at ``now``."""
    cutoff = calendar.notice_sent_before(now)
    return (
        _subject_to_sweep()
        .filter(state=AccountState.DEACTIVATED)
        .filter(_clock_running_before(cutoff))
    )


def due_for_deactivation(*, now):
    """Warned accounts whose warning's days have passed at ``now``."""
    cutoff = calendar.notice_sent_before(now)
    return (
        _subject_to_sweep().filter(state=AccountState.WARNED).filter(_clock_running_before(cutoff))
    )


def inactivity_candidates(*, now, staff: bool = False):
    """Active accounts possibly due a warning (a superset, checked exactly after)."""
    before = calendar.inactive_since_at_most(now)
    if staff:
        base = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True))
    else:
        base = _subject_to_sweep()
    return (
        base.filter(
            state__in=[AccountState.ACTIVE, AccountState.WARNED]
            if staff
            else [AccountState.ACTIVE]
        )
        .filter(Q(last_activity_at__isnull=True) | Q(last_activity_at__lte=before))
        .filter(date_joined__lte=before)
        .filter(Q(reactivated_at__isnull=True) | Q(reactivated_at__lte=before))
    )


def due_for_warning_ids(*, now, staff: bool = False) -> list[int]:
    """Ids of accounts inactive for the full period at ``now`` (one query)."""
    rows = inactivity_candidates(now=now, staff=staff).values_list(
        "pk", "date_joined", "last_activity_at", "reactivated_at"
    )
    return [
        pk
        for pk, joined, last, reactivated in rows.order_by("pk")
        if calendar.inactivity_due(max(i for i in (joined, last, reactivated) if i)) <= now
    ]


# --- The lock ----------------------------------------------------------------


@contextmanager
def sweep_lock():
    """Yield True when this process holds the sweep lock, False when another does.

    On PostgreSQL a session advisory lock (released if the process dies); elsewhere
    a lease row whose expiry frees it after a crash. The lease is wall-clock
    infrastructure, not domain time, hence ``timezone.now()`` here.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
        return
    token = secrets.token_hex(16)
    wall = timezone.now()
    SweepLock.objects.get_or_create(name=LOCK_NAME)
    held = bool(
        SweepLock.objects.filter(name=LOCK_NAME)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=wall))
        .update(
            holder=token, expires_at=wall + timedelta(seconds=app_settings.sweep_lock_seconds())
        )
    )
    try:
        yield held
    finally:
        if held:
            SweepLock.objects.filter(name=LOCK_NAME, holder=token).update(
                holder="", expires_at=None
            )


# --- One action each ------------------------------------------------------------


def _locked_if(queryset, pk):
    return queryset.select_for_update(skip_locked=True).filter(pk=pk).first()


def _warn_one(pk: int, *, now) -> bool:
    with transaction.atomic():
        user = _locked_if(_subject_to_sweep().filter(state=AccountState.ACTIVE), pk)
        return user is not None and services.account_warn(user=user, now=now)


def _deactivate_one(pk: int, *, now) -> bool:
    with transaction.atomic():
        user = _locked_if(due_for_deactivation(now=now), pk)
        if user is None:
            return False
        services.account_deactivate(
            user=user, actor=None, now=now, reason=services.DeactivationReason.INACTIVITY
        )
        return True


def _delete_one(pk: int, *, now) -> bool:
    from .erasure import account_delete

    with transaction.atomic():
        user = _locked_if(due_for_deletion(now=now), pk)
        if user is None:
            return False
        account_delete(user=user, now=now)
        return True


def lifecycle_sweep(*, now, dry_run: bool = False) -> SweepSummary:
    """Run every lifecycle action due at ``now``; idempotent.

    Order: re-queue notices no worker holds, delete, deactivate, warn. An account
    acted on in one step cannot be due for the next in the same run (its new
    notice is not accepted yet). Returns the ids acted on per step (``dry_run``:
    what would be done, nothing written). ``locked_out`` when another sweep runs.
    """
    summary = SweepSummary(now=now.isoformat(), dry_run=dry_run)
    if dry_run:
        summary.notices_requeued = notices.stale_pending_notices(now=now)
        summary.deleted = list(
            due_for_deletion(now=now).order_by("pk").values_list("pk", flat=True)
        )
        summary.deactivated = list(
            due_for_deactivation(now=now).order_by("pk").values_list("pk", flat=True)
        )
        summary.warned = due_for_warning_ids(now=now)
        return summary
    with sweep_lock() as held:
        if not held:
            summary.locked_out = True
            logger.info("lifecycle sweep skipped: another sweep holds the lock")
            return summary
        from .tasks import notice_send

        for notice_id in notices.stale_pending_notices(now=now):
            notice_send.delay(notice_id)
            summary.notices_requeued.append(notice_id)
        steps = (
            (
                list(due_for_deletion(now=now).order_by("pk").values_list("pk", flat=True)),
                _delete_one,
                summary.deleted,
            ),
            (
                list(due_for_deactivation(now=now).order_by("pk").values_list("pk", flat=True)),
                _deactivate_one,
                summary.deactivated,
            ),
            (due_for_warning_ids(now=now), _warn_one, summary.warned),
        )
        for ids, action, done in steps:
            for pk in ids:
                (done if action(pk, now=now) else summary.skipped).append(pk)
    logger.info("lifecycle sweep done", extra={"counts": summary.counts(), "now": summary.now})
    return summary
