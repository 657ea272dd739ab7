"""The sweep's query count: a bounded cost per account it acts on, none for those left alone."""

from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import AccountState, User
from lifecycle.erasure import erasure_plan
from lifecycle.models import DeactivationReason, SweepLock
from lifecycle.sweep import LOCK_NAME, lifecycle_sweep

from .conftest import paris

NOW = paris(2027, 6, 1, 10, 0)


def _users(kind: str, count: int, tag: str) -> list[User]:
    """``count`` unsaved accounts of one kind: "idle" (left alone), "warn" (due a
    warning), "deactivate" (warned, due deactivation) or "delete" (deactivated, due
    deletion)."""
    recent = NOW - timedelta(days=30)
    old = paris(2024, 1, 1)
    noticed = paris(2027, 1, 1)
    fields = {
        "idle": {"last_activity_at": recent},
        "warn": {"last_activity_at": old},
        "deactivate": {
            "last_activity_at": old,
            "state": AccountState.WARNED,
            "state_changed_at": noticed,
            "notice_sent_at": noticed,
        },
        "delete": {
            "last_activity_at": old,
            "state": AccountState.DEACTIVATED,
            "is_active": False,
            "deactivation_reason": DeactivationReason.OPCO,
            "state_changed_at": noticed,
            "notice_sent_at": noticed,
        },
    }[kind]
    return [
        User(
            email=f"{kind}{n}.{tag}@example.fr",
            first_name="A",
            last_name=f"{kind}{n}{tag}",
            password="!",
            date_joined=old,
            **fields,
        )
        for n in range(count)
    ]


def _populate(*, idle: int = 0, tag: str, **due: int) -> None:
    users = _users("idle", idle, tag)
    for kind, count in due.items():
        users += _users(kind, count, tag)
    User.objects.bulk_create(users, batch_size=2_000)


def _sweep_queries(capture, **expected: int) -> int:
    """Queries one sweep at NOW runs; ``expected`` is how many it warns/deactivates/deletes."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()  # process-wide: would differ by test order
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), capture(execute=True):
        summary = lifecycle_sweep(now=NOW)
    counts = summary.counts()
    assert {
        "warned": counts["warned"],
        "deactivated": counts["deactivated"],
        "deleted": counts["deleted"],
    } == {
        "warned": expected.get("warn", 0),
        "deactivated": expected.get("deactivate", 0),
        "deleted": expected.get("delete", 0),
    }
    return len(executed)


# Documented bounds on what one due account costs the sweep, and on its fixed cost.
# A warning or a deactivation touches a fixed set of tables (state, journal, notice,
# sessions, tokens): a constant number of queries each. A deletion runs Django's
# delete collector over every table linked to the user: at most about two queries per
# linked table (find the rows, delete or null them) plus the tombstone and state work.
# So adding a user-linked model raises the deletion bound by itself; anything else
# that makes one due account cost more than this is a regression (an N+1 creeping in).
WARNING_AT_MOST = 20
DEACTIVATION_AT_MOST = 30
DELETION_FIXED_AT_MOST = 15
FIXED_AT_MOST = 12  # lock, selections, per-run lookups


def deletion_at_most() -> int:
    return 2 * len(erasure_plan()) + DELETION_FIXED_AT_MOST


def _per_account(capture, kind: str) -> tuple[int, int]:
    """(queries per due account, fixed queries) of a sweep acting on ``kind`` only.

    Measured on 1, 3 and 6 due accounts: the three counts must lie on one line, i.e.
    total == fixed + due * per_account exactly.
    """
    totals = {}
    for due in (1, 3, 6):
        _populate(tag=f"{kind}{due}", **{kind: due})
        totals[due] = _sweep_queries(capture, **{kind: due})
    per_account, remainder = divmod(totals[6] - totals[3], 3)
    assert remainder == 0, totals
    fixed = totals[1] - per_account
    assert totals[3] == fixed + 3 * per_account, totals
    return per_account, fixed


@pytest.mark.django_db
def test_sweep_costs_a_bounded_number_of_queries_per_due_account(
    django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(NOW, tick=False)
    SweepLock.objects.get_or_create(name=LOCK_NAME)  # as after migrate
    _populate(idle=10, tag="idle")
    per = {}
    for kind, bound in [
        ("warn", WARNING_AT_MOST),
        ("deactivate", DEACTIVATION_AT_MOST),
        ("delete", deletion_at_most()),
    ]:
        per[kind], fixed = _per_account(django_capture_on_commit_callbacks, kind)
        assert per[kind] <= bound, (kind, per[kind], bound)
        assert fixed <= FIXED_AT_MOST, (kind, fixed)

    # A mixed run costs the sum of its accounts' costs plus the bounded fixed part.
    due = {"warn": 40, "deactivate": 30, "delete": 30}
    _populate(idle=10, tag="mixed", **due)
    total = _sweep_queries(django_capture_on_commit_callbacks, **due)
    fixed = total - sum(per[kind] * count for kind, count in due.items())
    assert 0 <= fixed <= FIXED_AT_MOST, (total, per, fixed)


@pytest.mark.django_db
def test_sweep_query_count_does_not_grow_with_accounts_left_alone(
    django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(NOW, tick=False)
    SweepLock.objects.get_or_create(name=LOCK_NAME)  # as after migrate
    due = {"warn": 40, "deactivate": 30, "delete": 30}
    _populate(idle=10, tag="a", **due)
    with_few = _sweep_queries(django_capture_on_commit_callbacks, **due)
    # Same due population again, now among 9,000 more accounts left alone (9,000+ in all).
    _populate(idle=9_000, tag="b", **due)
    assert User.objects.count() > 9_000
    with_many = _sweep_queries(django_capture_on_commit_callbacks, **due)
    assert with_many == with_few
