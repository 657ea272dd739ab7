"""The sweep: every due lifecycle action, none twice, none skipped, in chunks.

Run hourly by beat (``lifecycle.tasks.lifecycle_sweep_task``) and by hand with
``manage.py lifecycle_sweep [--now ISO] [--dry-run]``.

Invariants:
- set-based: each step (deletion, deactivation, warning) walks its due
  accounts in chunks of ``LIFECYCLE_SWEEP_CHUNK_SIZE`` ids (keyset on the
  primary key, or on the inactivity reference for warnings). A chunk is one
  short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` under the due
  condition re-checked in SQL (so a concurrent sign-in or reactivation wins:
  its row is skipped or no longer due), one ``UPDATE ... WHERE id IN`` for the
  state, one INSERT of journal rows and one of notices, sessions and tokens
  revoked with ``IN (...)``, users deleted chunk-wise with every erasure rule
  (``lifecycle.erasure.accounts_delete``). The number of queries grows with
  the number of chunks, not of accounts;
- a chunk that fails is rolled back and retried one account at a time, so one
  bad account never blocks the others (it is listed in ``failed`` and retried
  at the next run);
- every chunk commits on its own: a sweep killed mid-way leaves the chunks it
  finished done and the others due, and the next run resumes there;
- one step per account per run, and a step is due only once the previous
  step's notice was accepted and its days have passed: after an outage an
  account overdue for a warning gets the warning and its full 15 days;
- at most ``LIFECYCLE_WARNINGS_PER_DAY`` warnings per Paris calendar day when
  set, the most overdue first;
- staff and superusers are never warned, deactivated or deleted (they are
  listed for review in the back-office instead);
- two sweeps never run at once: a lease row (``SweepLock``) taken at the start
  and renewed inside every chunk's transaction, so nothing depends on session
  state (it works behind PgBouncer in transaction pooling, and on SQLite). A
  killed sweep's lease expires ``LIFECYCLE_SWEEP_LOCK_SECONDS`` after its last
  chunk.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AccountState, DeactivationReason, User
from platforms.ssf import events as ssf_events
from platforms.ssf.services import ssf_events_enqueue

from . import app_settings, calendar, erasure, notices, selectors
from .access import access_revoke_for
from .journal import journal_write_system
from .models import Notice, SweepLock
from .outbox import notices_create, outbox_drain_soon
from .selectors import (  # noqa: F401 — the sweep's due sets, named here for callers
    due_for_deactivation,
    due_for_deletion,
    due_for_warning_ids,
    inactivity_candidates,
    subject_to_sweep,
)

logger = logging.getLogger(__name__)

LOCK_NAME = "lifecycle_sweep"


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
    failed: list[int] = field(default_factory=list)
    chunks: int = 0

    def as_dict(self) -> dict:
        return asdict(self)

    def counts(self) -> dict[str, int]:
        return {
            "warned": len(self.warned),
            "deactivated": len(self.deactivated),
            "deleted": len(self.deleted),
            "notices_requeued": len(self.notices_requeued),
            "skipped": len(self.skipped),
            "failed": len(self.failed),
        }


class LeaseLost(Exception):
    """Another sweep holds the lease (ours expired): stop at once."""


# --- The lease ---------------------------------------------------------------------


def _lease_take(token: str) -> bool:
    """Take or renew the lease for ``token``: one conditional UPDATE of one row.

    The lease is wall-clock infrastructure, not domain time, hence
    ``timezone.now()`` here.
    """
    wall = timezone.now()
    return bool(
        SweepLock.objects.filter(name=LOCK_NAME)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__lt=wall) | Q(holder=token))
        .update(
            holder=token, expires_at=wall + timedelta(seconds=app_settings.sweep_lock_seconds())
        )
    )


@contextmanager
def sweep_lock():
    """Yield this run's lease token when it holds the sweep lease, None when another does.

    The lease row is created by a migration (and here when missing).
    """
    token = secrets.token_hex(16)
    if not SweepLock.objects.filter(name=LOCK_NAME).exists():
        SweepLock.objects.get_or_create(name=LOCK_NAME)
    held = _lease_take(token)
    try:
        yield token if held else None
    finally:
        if held:
            SweepLock.objects.filter(name=LOCK_NAME, holder=token).update(
                holder="", expires_at=None
            )


# --- One chunk of each step (inside the chunk's transaction) --------------------------


def _state_update(ids: list[int], *, state: str, now, **extra) -> None:
    """The state change of a chunk: one UPDATE, then its pending notices cancelled."""
    User.objects.filter(pk__in=ids).update(
        state=state,
        is_active=state in (AccountState.ACTIVE, AccountState.WARNED),
        state_changed_at=now,
        deactivation_reason=extra.get("deactivation_reason", ""),
        suspension_reason="",
        notice_sent_at=None,
        notice_failed_at=None,
    )
    # Notices not sent yet announce a step that just ended: never send them.
    Notice.objects.filter(user_id__in=ids, status=Notice.Status.PENDING).update(
        status=Notice.Status.CANCELLED, claimed_until=None
    )


def _locked(queryset, ids: list[int], *fields: str):
    return list(
        queryset.filter(pk__in=ids)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values(*fields)
    )


def _delete_chunk(ids: list[int], *, now) -> list[int]:
    rows = _locked(due_for_deletion(now=now), ids, *erasure.ROW_FIELDS)
    erasure.accounts_delete(rows=rows, now=now)
    return [row["pk"] for row in rows]


def _deactivate_chunk(ids: list[int], *, now) -> list[int]:
    done = [row["pk"] for row in _locked(due_for_deactivation(now=now), ids, "pk")]
    if not done:
        return done
    reason = DeactivationReason.INACTIVITY
    _state_update(done, state=AccountState.DEACTIVATED, now=now, deactivation_reason=reason)
    ssf_events_enqueue(
        event_type=ssf_events.ACCOUNT_DISABLED, user_ids=done, now=now, reason=reason
    )
    access_revoke_for(user_ids=done)
    journal_write_system(user_ids=done, action="deactivated", at=now, reason=reason)
    notices_create(user_ids=done, kind=Notice.Kind.DEACTIVATION, step_at=now, now=now)
    return done


def _warn_chunk(ids: list[int], *, now) -> list[int]:
    rows = _locked(
        inactivity_candidates(now=now),
        ids,
        "pk",
        "date_joined",
        "last_activity_at",
        "reactivated_at",
    )
    references = {row["pk"]: selectors.reference_of(row) for row in rows}
    done = [pk for pk, at in references.items() if calendar.inactivity_due(at) <= now]
    if not done:
        return done
    _state_update(done, state=AccountState.WARNED, now=now)
    journal_write_system(
        user_ids=done,
        action="warned",
        at=now,
        reason=DeactivationReason.INACTIVITY,
        data=[{"last_activity_at": references[pk].isoformat()} for pk in done],
    )
    notices_create(user_ids=done, kind=Notice.Kind.WARNING, step_at=now, now=now)
    return done


# --- The run ---------------------------------------------------------------------------


def _pk_chunks(queryset, size: int):
    """Yield lists of due ids in primary-key order, resuming after the last one seen."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        last = ids[-1]
        yield ids


def _run_chunk(
    action: Callable, ids: list[int], *, now, token: str, summary: SweepSummary, done: list
) -> None:
    """Act on one chunk in one transaction; on failure, retry its accounts one by one."""

    def attempt(chunk: list[int]) -> None:
        with transaction.atomic():
            if not _lease_take(token):
                raise LeaseLost
            acted = action(chunk, now=now)
        summary.chunks += 1
        done.extend(acted)
        summary.skipped.extend(sorted(set(chunk) - set(acted)))

    try:
        attempt(ids)
    except LeaseLost:
        raise
    except Exception:
        if len(ids) == 1:
            logger.exception("lifecycle sweep: action failed", extra={"account": ids[0]})
            summary.failed.extend(ids)
            return
        logger.warning("lifecycle sweep: a chunk failed, retrying its accounts one by one")
        for pk in ids:
            try:
                attempt([pk])
            except LeaseLost:
                raise
            except Exception:
                # Rolled back alone; retried at the next run.
                logger.exception("lifecycle sweep: action failed", extra={"account": pk})
                summary.failed.append(pk)


def lifecycle_sweep(*, now, dry_run: bool = False) -> SweepSummary:
    """Run every lifecycle action due at ``now``; idempotent.

    Order: re-queue notices no worker holds, delete, deactivate, warn. An account
    acted on in one step cannot be due for the next in the same run (its new
    notice is not accepted yet). Returns the ids acted on per step (``dry_run``:
    what would be done, nothing written). ``locked_out`` when another sweep
    runs (or took over our expired lease).
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
        summary.warned = due_for_warning_ids(now=now, limit=selectors.warnings_left_today(now=now))
        return summary
    size = app_settings.sweep_chunk_size()
    with sweep_lock() as token:
        if token is None:
            summary.locked_out = True
            logger.info("lifecycle sweep skipped: another sweep holds the lock")
            return summary
        try:
            # Stranded notices go back to the outbox's dispatcher (one task for all).
            summary.notices_requeued = notices.stale_pending_notices(now=now)
            if summary.notices_requeued:
                outbox_drain_soon()
            for ids in _pk_chunks(due_for_deletion(now=now), size):
                _run_chunk(
                    _delete_chunk, ids, now=now, token=token, summary=summary, done=summary.deleted
                )
            for ids in _pk_chunks(due_for_deactivation(now=now), size):
                _run_chunk(
                    _deactivate_chunk,
                    ids,
                    now=now,
                    token=token,
                    summary=summary,
                    done=summary.deactivated,
                )
            for ids in selectors.warning_chunks(now=now, size=size):
                _run_chunk(
                    _warn_chunk, ids, now=now, token=token, summary=summary, done=summary.warned
                )
        except LeaseLost:
            summary.locked_out = True
            logger.warning("lifecycle sweep stopped: its lease was taken over")
    logger.info("lifecycle sweep done", extra={"counts": summary.counts(), "now": summary.now})
    return summary
