"""The sweep's query count: a bounded cost per chunk, none per account acted on or left alone."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings

from accounts.models import AccountState, Membership, User
from lifecycle.erasure import erasure_plan
from lifecycle.models import DeactivationReason, Notice, SweepLock
from lifecycle.sweep import LOCK_NAME, lifecycle_sweep
from tests.accounts.factories import MembershipFactory

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


def _sweep_queries(capture, *, show: bool = False, **expected: int) -> int:
    """Queries one sweep at NOW runs; ``expected`` is how many it warns/deactivates/deletes."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    # Warm the process-wide cache: the first deletion of a process would pay for it.
    ContentType.objects.get_for_models(*apps.get_models())
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    # The notices' sending tasks (queued after commit) are the outbox's work, per
    # notice and rate-limited: not the sweep's. They are not run here.
    with connection.execute_wrapper(count), capture(execute=False):
        summary = lifecycle_sweep(now=NOW)
    # Their notices are left to the outbox (not sent here): keep the next sweep from
    # re-queueing them, which would count the sending again.
    Notice.objects.filter(status=Notice.Status.PENDING).update(status=Notice.Status.CANCELLED)
    if show:
        print("\n".join(executed))
    counts = summary.counts()
    assert {
        "warned": counts["warned"],
        "deactivated": counts["deactivated"],
        "deleted": counts["deleted"],
        "failed": counts["failed"],
    } == {
        "warned": expected.get("warn", 0),
        "deactivated": expected.get("deactivate", 0),
        "deleted": expected.get("delete", 0),
        "failed": 0,
    }
    return len(executed)


# Documented bounds on what one chunk costs the sweep, whatever its size. A warning
# or a deactivation chunk touches a fixed set of tables (lease, lock, state, notices,
# journal, sessions, tokens): a constant number of queries. A deletion chunk runs
# Django's delete collector over every table linked to the user (a query or two per
# linked table) and clears the admin log about the kinds of rows the accounts own
# that the log names at all (one probe, then one query per such kind). So
# adding a user-linked model raises the deletion bound by itself; anything else that
# makes a chunk cost more than this is a regression, and any query per account (an
# N+1) breaks the equalities below.
# (SQLite splits a chunk's INSERTs in batches of 999 parameters: a few more there.)
WARNING_CHUNK_AT_MOST = 20
DEACTIVATION_CHUNK_AT_MOST = 30
DELETION_CHUNK_FIXED_AT_MOST = 30
FIXED_AT_MOST = 12  # lease, stale notices, the empty end of each step's walk


def deletion_chunk_at_most() -> int:
    return 2 * len(erasure_plan()) + DELETION_CHUNK_FIXED_AT_MOST


@pytest.mark.django_db
@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=500)
def test_sweep_query_count_grows_with_chunks_not_with_accounts(
    django_capture_on_commit_callbacks, time_machine
):
    """500 due accounts of each kind: one chunk each; 1,000: two chunks each, exactly.

    q(n chunks) = fixed + n * (cost of one chunk of each step): the sweep of
    1,000 due accounts per step costs exactly one chunk per step more than
    that of 500, which costs one chunk per step more than a sweep with nothing due.
    """
    time_machine.move_to(NOW, tick=False)
    SweepLock.objects.get_or_create(name=LOCK_NAME)  # as after migrate
    _populate(idle=10, tag="idle")
    nothing = _sweep_queries(django_capture_on_commit_callbacks)
    assert nothing <= FIXED_AT_MOST
    per_chunk = {}
    for kind in ("warn", "deactivate", "delete"):
        _populate(tag=f"one{kind}", **{kind: 500})
        per_chunk[kind] = (
            _sweep_queries(django_capture_on_commit_callbacks, **{kind: 500}) - nothing
        )
    assert per_chunk["warn"] <= WARNING_CHUNK_AT_MOST, per_chunk
    assert per_chunk["deactivate"] <= DEACTIVATION_CHUNK_AT_MOST, per_chunk
    assert per_chunk["delete"] <= deletion_chunk_at_most(), per_chunk

    one_each = {"warn": 500, "deactivate": 500, "delete": 500}
    _populate(tag="mixed1", **one_each)
    one_chunk_each = _sweep_queries(django_capture_on_commit_callbacks, **one_each)
    assert one_chunk_each == nothing + sum(per_chunk.values())

    two_each = {"warn": 1_000, "deactivate": 1_000, "delete": 1_000}
    _populate(tag="mixed2", **two_each)
    two_chunks_each = _sweep_queries(django_capture_on_commit_callbacks, **two_each)
    assert two_chunks_each == nothing + 2 * sum(per_chunk.values())


@pytest.mark.django_db
@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=500)
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


def _admin_log_deletes(capture) -> list[str]:
    """The ``DELETE FROM django_admin_log`` statements of one sweep at NOW."""
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), capture(execute=False):
        lifecycle_sweep(now=NOW)
    return [sql for sql in executed if sql.startswith('DELETE FROM "django_admin_log"')]


@pytest.mark.django_db
def test_a_deletion_chunk_clears_the_admin_log_only_for_the_kinds_of_rows_it_names(
    django_capture_on_commit_callbacks, time_machine
):
    """One probe per chunk finds which kinds of owned rows the admin log names; a
    DELETE runs for each such kind (here none, then memberships), not for each of the
    twenty-odd models the accounts own. The entries are still deleted."""
    time_machine.move_to(NOW, tick=False)
    SweepLock.objects.get_or_create(name=LOCK_NAME)
    _populate(tag="a", delete=20)
    # Entries by the deleted accounts and about their user rows: two DELETEs.
    assert len(_admin_log_deletes(django_capture_on_commit_callbacks)) == 2

    _populate(tag="b", delete=20)
    agent = User.objects.create(email="agent@opco.fr", is_staff=True, password="!")
    membership = MembershipFactory(user=User.objects.get(email="delete0.b@example.fr"))
    entry = LogEntry.objects.create(
        user=agent,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id=str(membership.pk),
        object_repr=str(membership),
        action_flag=CHANGE,
    )
    deletes = _admin_log_deletes(django_capture_on_commit_callbacks)
    assert len(deletes) == 3
    assert not LogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=500)
def test_the_warning_walk_reads_the_candidates_once_for_several_chunks(
    django_capture_on_commit_callbacks, time_machine
):
    """1,500 accounts due a warning: three chunks of 500, and the candidates (sorted by
    their inactivity reference, a sort of every candidate each time) read by one query
    for all three, not one per chunk."""
    time_machine.move_to(NOW, tick=False)
    SweepLock.objects.get_or_create(name=LOCK_NAME)
    _populate(tag="walk", warn=1_500)
    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count), django_capture_on_commit_callbacks():
        summary = lifecycle_sweep(now=NOW)
    assert len(summary.warned) == 1_500
    assert summary.chunks == 3
    walks = [sql for sql in executed if sql.startswith("SELECT") and '"_ref"' in sql]
    assert len(walks) == 1, walks
