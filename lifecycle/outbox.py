"""Writing lifecycle notices to the outbox, one or many; sending is ``lifecycle.notices``.

A notice is written in the transaction of the transition it announces and its
sending is queued after commit, so a rolled-back transition sends nothing:

- one notice (a transition of one account): its own sending task, at once;
- many notices (a chunk of the sweep): one task asking the outbox dispatcher to
  drain now, whatever the number of notices. The dispatcher hands them to the
  provider at ``LIFECYCLE_NOTICE_RATE`` per second, one dispatcher at a time: a
  sweep's ten thousand notices never bypass the provider's rate (a task per
  notice would, every worker sending as fast as it can), and queuing costs the
  sweep one message per chunk instead of one per account.

Tasks are named, not imported: ``lifecycle.tasks`` sits above every module
of the app (it calls the sweep), and Celery resolves the name to the task (run
eagerly in tests like any other).
"""

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from celery import current_app
from django.db import transaction

from .bulk import rows_insert_for_users
from .models import Notice

NOTICE_SEND_TASK = "lifecycle.tasks.notice_send"
NOTICES_DISPATCH_TASK = "lifecycle.tasks.notices_dispatch_task"


def notice_enqueue(notice_id: int) -> None:
    """Queue the sending of one notice now (callers run it after commit)."""
    current_app.signature(NOTICE_SEND_TASK, args=(notice_id,)).delay()


def outbox_drain_soon() -> None:
    """Ask the outbox dispatcher to run now (callers run it after commit).

    One message, whatever the number of pending notices; when a dispatcher is
    already running, this one finds its lease taken and stops at once, and the
    running one reaches the new notices (it walks the outbox in id order).
    """
    current_app.signature(NOTICES_DISPATCH_TASK).delay()


def notice_create(*, user, kind: str, step_at: datetime, now: datetime) -> Notice:
    """Write one notice to the outbox; its task is queued after commit."""
    notice = Notice.objects.create(user=user, kind=kind, step_at=step_at, created_at=now)
    transaction.on_commit(partial(notice_enqueue, notice.pk))
    return notice


def notices_create(*, user_ids: Iterable[int], kind: str, step_at: datetime, now: datetime):
    """Write one notice per account in one INSERT; the dispatcher is asked to run after commit.

    Returns how many notices were written.
    """
    created = rows_insert_for_users(
        Notice,
        user_ids=list(user_ids),
        values={"kind": kind, "step_at": step_at, "created_at": now},
    )
    if created:
        transaction.on_commit(outbox_drain_soon)
    return created
