"""Faults: a sweep killed halfway, a reactivation racing a deletion (PostgreSQL)."""

import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test import override_settings

from accounts.models import AccountState, User
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry, Notice, Tombstone
from lifecycle.sweep import lifecycle_sweep

from .conftest import paris
from .factories import UserFactory

NOW = paris(2027, 6, 1, 10, 0)


def _deactivated_long_ago(count):
    users = UserFactory.create_batch(count)
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        state=AccountState.DEACTIVATED,
        is_active=False,
        deactivation_reason=DeactivationReason.OPCO,
        state_changed_at=paris(2027, 1, 1),
        notice_sent_at=paris(2027, 1, 1),
    )
    return users


@pytest.mark.django_db
@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=3)
def test_sweep_killed_halfway_then_run_again_does_everything_once(
    django_capture_on_commit_callbacks, time_machine
):
    """Killed in its second chunk of warnings: the first chunk stays done, the rest resumes."""
    from lifecycle import sweep

    time_machine.move_to(NOW, tick=False)
    doomed = _deactivated_long_ago(4)
    dormant = UserFactory.create_batch(
        6, date_joined=paris(2024, 1, 1), last_activity_at=paris(2024, 1, 1)
    )
    real_chunk = sweep._warn_chunk
    calls = {"n": 0}

    def dies_in_the_second_chunk(ids, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            real_chunk(ids, **kwargs)  # its writes are rolled back with the transaction
            raise SystemExit("worker killed")
        return real_chunk(ids, **kwargs)

    with (
        mock.patch("lifecycle.sweep._warn_chunk", dies_in_the_second_chunk),
        pytest.raises(SystemExit),
        django_capture_on_commit_callbacks(execute=True),
    ):
        lifecycle_sweep(now=NOW)
    assert User.objects.filter(state=AccountState.WARNED).count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        second = lifecycle_sweep(now=NOW)
    assert second.deleted == []
    assert len(second.warned) == 3
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()
    assert Tombstone.objects.count() == 4
    for user in dormant:
        assert User.objects.get(pk=user.pk).state == AccountState.WARNED
        assert Notice.objects.filter(user=user).count() == 1
        assert JournalEntry.objects.filter(user=user, action="warned").count() == 1
    assert len(mail.outbox) == 6


@pytest.mark.django_db
def test_one_failing_deletion_does_not_keep_the_others_from_theirs(
    django_capture_on_commit_callbacks,
):
    """The chunk fails, then is retried one account at a time: only the bad one is left."""
    from lifecycle import erasure

    first, second = _deactivated_long_ago(2)
    real = erasure.accounts_delete

    def fails_for_first(*, rows, now, actor=None):
        if first.pk in [row["pk"] for row in rows]:
            raise RuntimeError("a table refused")
        return real(rows=rows, now=now, actor=actor)

    with mock.patch("lifecycle.erasure.accounts_delete", fails_for_first):
        summary = lifecycle_sweep(now=NOW)
    assert summary.failed == [first.pk]
    assert summary.deleted == [second.pk]
    assert User.objects.get(pk=first.pk).state == AccountState.DEACTIVATED
    assert lifecycle_sweep(now=NOW).deleted == [first.pk]


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
)


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reactivation_holding_the_row_wins_over_the_deletion():
    (user,) = _deactivated_long_ago(1)
    locked, release = threading.Event(), threading.Event()
    errors = []

    def administrator():
        try:
            with transaction.atomic():
                target = User.objects.select_for_update().get(pk=user.pk)
                locked.set()
                release.wait(10)
                services.account_reactivate(user=target, actor=None, now=NOW)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=administrator)
    thread.start()
    assert locked.wait(10)
    summary = lifecycle_sweep(now=NOW)
    release.set()
    thread.join()
    assert errors == []
    assert summary.deleted == []
    assert summary.skipped == [user.pk]
    user.refresh_from_db()
    assert user.state == AccountState.ACTIVE
    assert not Tombstone.objects.exists()
    # The next sweep leaves the reactivated account alone.
    assert lifecycle_sweep(now=NOW).deleted == []


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deletion_holding_the_row_wins_and_the_late_reactivation_finds_nothing():
    from lifecycle.erasure import account_delete

    (user,) = _deactivated_long_ago(1)
    deleting, release = threading.Event(), threading.Event()

    def sweeper():
        try:
            with transaction.atomic():
                account_delete(user=user, now=NOW)
                deleting.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=sweeper)
    thread.start()
    assert deleting.wait(10)
    outcome = {}

    def administrator():
        try:
            services.account_reactivate(user=user, actor=None, now=NOW)
            outcome["result"] = "reactivated"
        except User.DoesNotExist:
            outcome["result"] = "gone"
        finally:
            connections.close_all()

    late = threading.Thread(target=administrator)
    late.start()
    late.join(0.5)
    assert late.is_alive()  # blocked on the row lock, not acting on stale data
    release.set()
    thread.join()
    late.join(10)
    assert outcome["result"] == "gone"
    assert not User.objects.filter(pk=user.pk).exists()
    assert Tombstone.objects.count() == 1
