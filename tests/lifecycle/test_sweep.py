"""The sweep: DOMAIN.md's examples end to end, catch-up, staff, lock, dry run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from accounts.models import AccountState, User
from lifecycle import services
from lifecycle.models import DeactivationReason, JournalEntry, Notice, SweepLock, Tombstone
from lifecycle.sweep import lifecycle_sweep, sweep_lock

from .conftest import paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


def state(user):
    user = User.objects.filter(pk=user.pk).first()
    return "deleted" if user is None else user.state


def dormant(last_activity, **extra):
    return UserFactory(date_joined=last_activity, last_activity_at=last_activity, **extra)


# --- DOMAIN.md's table, end to end ----------------------------------------------


def test_admin_deactivation_of_10_march_deletes_at_midnight_starting_26_march(run, sweep):
    user = UserFactory()
    agent = UserFactory(is_staff=True)
    run(
        services.account_deactivate,
        at=paris(2027, 3, 10, 14, 5),
        user=user,
        actor=agent,
        now=paris(2027, 3, 10, 14, 5),
        reason=DeactivationReason.OPCO,
    )
    user.refresh_from_db()
    assert user.notice_sent_at == paris(2027, 3, 10, 14, 5)
    assert len(mail.outbox) == 1
    assert "le 26 mars 2027" in mail.outbox[0].subject
    assert sweep(paris(2027, 3, 26, 0, 0) - MINUTE).deleted == []
    assert state(user) == AccountState.DEACTIVATED
    assert sweep(paris(2027, 3, 26, 0, 0)).deleted == [user.pk]
    assert state(user) == "deleted"
    tombstone = Tombstone.objects.get()
    assert tombstone.reason == DeactivationReason.OPCO
    assert tombstone.deleted_at == paris(2027, 3, 26, 0, 0)


def test_reactivated_at_23_59_on_day_15_is_not_deleted(run, sweep):
    user = UserFactory()
    agent = UserFactory(is_staff=True)
    run(
        services.account_deactivate,
        at=paris(2027, 3, 10, 14, 5),
        user=user,
        actor=agent,
        now=paris(2027, 3, 10, 14, 5),
        reason=DeactivationReason.ORG_ADMIN,
    )
    run(
        services.account_reactivate,
        at=paris(2027, 3, 25, 23, 59),
        user=user,
        actor=agent,
        now=paris(2027, 3, 25, 23, 59),
    )
    sweep(paris(2027, 3, 26, 0, 0))
    sweep(paris(2027, 4, 30, 0, 0))
    assert state(user) == AccountState.ACTIVE


def test_inactivity_path_warning_deactivation_deletion_on_their_dates(sweep):
    user = dormant(paris(2025, 1, 31, 9, 0))
    assert sweep(paris(2027, 1, 31, 9, 0) - MINUTE).warned == []
    assert sweep(paris(2027, 1, 31, 10, 0)).warned == [user.pk]
    user.refresh_from_db()
    assert user.state == AccountState.WARNED and user.is_active
    assert user.notice_sent_at == paris(2027, 1, 31, 10, 0)
    assert "le 16 février 2027" in mail.outbox[-1].subject
    assert "15 février 2027" in mail.outbox[-1].body

    assert sweep(paris(2027, 2, 16, 0, 0) - MINUTE).deactivated == []
    assert sweep(paris(2027, 2, 16, 0, 10)).deactivated == [user.pk]
    user.refresh_from_db()
    assert user.state == AccountState.DEACTIVATED and not user.is_active
    assert user.deactivation_reason == DeactivationReason.INACTIVITY
    assert user.notice_sent_at == paris(2027, 2, 16, 0, 10)
    assert "le 4 mars 2027" in mail.outbox[-1].subject

    assert sweep(paris(2027, 3, 4, 0, 0) - MINUTE).deleted == []
    assert sweep(paris(2027, 3, 4, 0, 0)).deleted == [user.pk]
    assert state(user) == "deleted"
    assert len(mail.outbox) == 2


def test_29_february_activity_is_warned_on_28_february(sweep):
    user = dormant(paris(2024, 2, 29, 12, 0))
    assert sweep(paris(2026, 2, 28, 11, 59)).warned == []
    assert sweep(paris(2026, 2, 28, 12, 0)).warned == [user.pk]


def test_account_that_never_signed_in_counts_from_its_creation(sweep):
    user = UserFactory(date_joined=paris(2025, 1, 31, 9, 0), last_activity_at=None)
    assert sweep(paris(2027, 1, 31, 9, 0)).warned == [user.pk]


# --- Boundaries across daylight saving ------------------------------------------------


@pytest.mark.parametrize(
    ("notice_at", "deadline"),
    [
        (paris(2027, 3, 20, 12, 0), paris(2027, 4, 5, 0, 0)),  # spring forward 28 March
        (paris(2027, 10, 25, 12, 0), paris(2027, 11, 10, 0, 0)),  # fall back 31 October
        (paris(2027, 2, 16, 0, 10), paris(2027, 3, 4, 0, 0)),  # just after Paris midnight
    ],
)
def test_deletion_one_minute_before_and_after_the_deadline(run, sweep, notice_at, deadline):
    user = UserFactory()
    run(
        services.account_deactivate,
        at=notice_at,
        user=user,
        actor=None,
        now=notice_at,
        reason=DeactivationReason.OPCO,
    )
    sweep(deadline - MINUTE)
    assert state(user) == AccountState.DEACTIVATED
    sweep(deadline + MINUTE)
    assert state(user) == "deleted"


@pytest.mark.parametrize(
    ("warned_at", "deadline"),
    [
        (paris(2027, 3, 20, 12, 0), paris(2027, 4, 5, 0, 0)),
        (paris(2027, 10, 25, 12, 0), paris(2027, 11, 10, 0, 0)),
        (paris(2027, 2, 16, 0, 10), paris(2027, 3, 4, 0, 0)),
    ],
)
def test_inactivity_deactivation_one_minute_before_and_after(sweep, warned_at, deadline):
    user = dormant(warned_at - timedelta(days=800))
    sweep(warned_at)
    assert state(user) == AccountState.WARNED
    sweep(deadline - MINUTE)
    assert state(user) == AccountState.WARNED
    sweep(deadline + MINUTE)
    assert state(user) == AccountState.DEACTIVATED


def test_warning_one_minute_before_and_after_its_due_instant_across_dst(sweep):
    user = dormant(paris(2025, 10, 26, 9, 0))  # winter time, due in winter time
    summer = dormant(paris(2025, 3, 30, 9, 0))  # summer time
    assert sweep(paris(2027, 3, 30, 8, 59)).warned == []
    assert sweep(paris(2027, 3, 30, 9, 1)).warned == [summer.pk]
    assert sweep(paris(2027, 10, 26, 8, 59)).warned == []
    assert sweep(paris(2027, 10, 26, 9, 1)).warned == [user.pk]


# --- No step skipped, none twice ---------------------------------------------------------


def test_after_an_outage_an_overdue_account_gets_the_warning_and_its_full_15_days(sweep):
    user = dormant(paris(2024, 1, 1, 9, 0))  # warning due 1 January 2026
    outage_end = paris(2027, 6, 1, 10, 0)
    assert sweep(outage_end).warned == [user.pk]
    assert state(user) == AccountState.WARNED
    sweep(paris(2027, 6, 16, 23, 59))
    assert state(user) == AccountState.WARNED
    sweep(paris(2027, 6, 17, 0, 0))
    assert state(user) == AccountState.DEACTIVATED


def test_a_sweep_run_twice_acts_once(sweep):
    user = dormant(paris(2024, 1, 1, 9, 0))
    at = paris(2027, 6, 1, 10, 0)
    sweep(at)
    second = sweep(at)
    assert second.warned == [] and second.deactivated == []
    assert Notice.objects.filter(user=user).count() == 1
    assert JournalEntry.objects.filter(user=user, action="warned").count() == 1


def test_staff_are_never_warned_deactivated_or_deleted_by_the_sweep(run, sweep):
    agent = dormant(paris(2024, 1, 1, 9, 0), is_staff=True)
    boss = dormant(paris(2024, 1, 1, 9, 0), is_staff=True, is_superuser=True)
    run(
        services.account_deactivate,
        at=paris(2027, 1, 1),
        user=agent,
        actor=None,
        now=paris(2027, 1, 1),
        reason=DeactivationReason.OPCO,
    )
    summary = sweep(paris(2027, 6, 1, 10, 0))
    assert summary.warned == [] and summary.deleted == []
    assert state(agent) == AccountState.DEACTIVATED
    assert state(boss) == AccountState.ACTIVE


def test_suspended_accounts_are_outside_the_inactivity_flow(run, sweep):
    user = dormant(paris(2024, 1, 1, 9, 0))
    services.account_suspend(user=user, actor=None, now=paris(2024, 2, 1), reason="cgu_breach")
    sweep(paris(2027, 6, 1, 10, 0))
    sweep(paris(2028, 6, 1, 10, 0))
    assert state(user) == AccountState.SUSPENDED


def test_activity_during_the_warning_keeps_the_account(run, sweep):
    user = dormant(paris(2024, 1, 1, 9, 0))
    sweep(paris(2027, 6, 1, 10, 0))
    services.activity_record(user=user, at=paris(2027, 6, 10, 8, 0))
    sweep(paris(2027, 6, 17, 0, 0))
    assert state(user) == AccountState.ACTIVE


# --- Dry run, command, lock --------------------------------------------------------------


def test_dry_run_counts_and_changes_nothing(sweep):
    user = dormant(paris(2024, 1, 1, 9, 0))
    summary = sweep(paris(2027, 6, 1, 10, 0), dry_run=True)
    assert summary.warned == [user.pk]
    assert state(user) == AccountState.ACTIVE
    assert not Notice.objects.exists()


def test_command_dry_run_prints_what_it_would_do():
    user = dormant(paris(2024, 1, 1, 9, 0))
    out = StringIO()
    call_command("lifecycle_sweep", "--now", "2027-06-01T10:00:00+02:00", "--dry-run", stdout=out)
    assert "avertissements d'inactivité : 1" in out.getvalue()
    assert user.email in out.getvalue()
    assert state(user) == AccountState.ACTIVE


def test_command_runs_the_sweep(django_capture_on_commit_callbacks):
    user = dormant(paris(2024, 1, 1, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("lifecycle_sweep", "--now", "2027-06-01T10:00:00+02:00", stdout=StringIO())
    assert state(user) == AccountState.WARNED


def test_command_refuses_a_naive_instant():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("lifecycle_sweep", "--now", "2027-06-01T10:00:00")


def test_a_second_sweep_does_not_run_while_one_holds_the_lock():
    """The lease is a row (no session state): held by one sweep, the other stops."""
    dormant(paris(2024, 1, 1, 9, 0))
    with sweep_lock() as held:
        assert held
        summary = lifecycle_sweep(now=paris(2027, 6, 1, 10, 0))
    assert summary.locked_out
    assert summary.warned == []


@override_settings(LIFECYCLE_SWEEP_LOCK_SECONDS=60)
def test_a_killed_sweeps_lease_expires(time_machine, db):
    time_machine.move_to(paris(2027, 6, 1, 10, 0), tick=False)
    SweepLock.objects.update_or_create(
        name="lifecycle_sweep",
        defaults={"holder": "dead", "expires_at": paris(2027, 6, 1, 10, 0, 30)},
    )
    with sweep_lock() as held:
        assert not held
    time_machine.move_to(paris(2027, 6, 1, 10, 1), tick=False)
    with sweep_lock() as held:
        assert held


@override_settings(LIFECYCLE_SWEEP_CHUNK_SIZE=2)
def test_a_sweep_whose_lease_was_taken_over_stops_at_its_next_chunk(sweep):
    """A sweep slower than its lease (taken over meanwhile) stops instead of running twice."""
    from lifecycle import sweep as sweep_module

    users = [dormant(paris(2024, 1, 1, 9, 0)) for _ in range(5)]
    real_chunk = sweep_module._warn_chunk
    calls = {"n": 0}

    def another_sweep_takes_the_lease(ids, **kwargs):
        calls["n"] += 1
        done = real_chunk(ids, **kwargs)
        if calls["n"] == 1:
            SweepLock.objects.filter(name="lifecycle_sweep").update(holder="other")
        return done

    from unittest import mock

    with mock.patch("lifecycle.sweep._warn_chunk", another_sweep_takes_the_lease):
        summary = sweep(paris(2027, 6, 1, 10, 0))
    assert summary.locked_out
    assert len(summary.warned) == 2
    assert sum(state(u) == AccountState.WARNED for u in users) == 2


@override_settings(LIFECYCLE_PROCEED_WITHOUT_NOTICE=False)
def test_beat_schedule_declares_the_sweep_at_minute_0_and_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["lifecycle-sweep"]
    assert entry["task"] == "lifecycle.tasks.lifecycle_sweep_task"
    assert entry["schedule"].minute == {0, 15, 30, 45}
