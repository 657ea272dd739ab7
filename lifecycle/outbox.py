"""Writing lifecycle notices to the outbox, one or many; sending is ``lifecycle.notices``.

A notice is written in the transaction of the transition it announces and its
sending task is queued after commit, so a rolled-back transition sends nothing.
The task is named, not imported: ``lifecycle.tasks`` sits above every module
of the app (it calls the sweep), and Celery resolves the name to the task (run
eagerly in tests like any other).
"""

from collections.abc import Iterable
from datetime import datetime
from functools import partial

from celery import current_app
from django.db import transaction

from .models import Notice

NOTICE_SEND_TASK = "lifecycle.tasks.notice_send"


def notice_enqueue(notice_id: int) -> None:
    """Queue the sending of one notice now (callers run it after commit)."""
    current_app.signature(NOTICE_SEND_TASK, args=(notice_id,)).delay()


def _enqueue_all(notice_ids: list[int]) -> None:
    for notice_id in notice_ids:
        notice_enqueue(notice_id)


def notice_create(*, user, kind: str, step_at: datetime, now: datetime) -> Notice:
    """Write one notice to the outbox; its task is queued after commit."""
    notice = Notice.objects.create(user=user, kind=kind, step_at=step_at, created_at=now)
    transaction.on_commit(partial(notice_enqueue, notice.pk))
    return notice


def notices_create(*, user_ids: Iterable[int], kind: str, step_at: datetime, now: datetime):
    """Write one notice per account in one INSERT; their tasks are queued after commit."""
    created = Notice.objects.bulk_create(
        [Notice(user_id=pk, kind=kind, step_at=step_at, created_at=now) for pk in user_ids]
    )
    transaction.on_commit(partial(_enqueue_all, [notice.pk for notice in created]))
    return created
