"""A killed sweep never makes a due action more than one hour late (DOMAIN: "at most
one hour after its deadline"): beat runs the sweep every 15 minutes, and a killed
run's lock is free again before the next one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountState, User
from lifecycle import calendar
from lifecycle.models import DeactivationReason, SweepLock
from lifecycle.sweep import LOCK_NAME, lifecycle_sweep

from .conftest import PARIS, paris
from .factories import UserFactory

pytestmark = pytest.mark.django_db


def scheduled_after(schedule, instant):
    """The next instant (to the minute, Paris wall clock) at which beat runs ``schedule``."""
    t = instant.astimezone(PARIS).replace(second=0, microsecond=0)
    while True:
        t += timedelta(minutes=1)
        if t.minute in schedule.minute and t.hour in schedule.hour:
            return t


def test_a_sweep_killed_at_the_deadline_is_resumed_well_within_the_hour(
    settings, time_machine, django_capture_on_commit_callbacks
):
    notified = paris(2027, 5, 16, 10, 0)
    deadline = calendar.notice_deadline(notified)
    doomed = UserFactory.create_batch(3)
    User.objects.filter(pk__in=[u.pk for u in doomed]).update(
        state=AccountState.DEACTIVATED,
        is_active=False,
        deactivation_reason=DeactivationReason.OPCO,
        state_changed_at=notified,
        notice_sent_at=notified,
    )
    # The run at the deadline was killed (SIGKILL) holding its lock: on SQLite its
    # lease row stays; on PostgreSQL the advisory lock died with its connection.
    time_machine.move_to(deadline, tick=False)
    SweepLock.objects.update_or_create(
        name=LOCK_NAME,
        defaults={
            "holder": "killed",
            "expires_at": timezone.now()
            + timedelta(seconds=settings.LIFECYCLE_SWEEP_LOCK_SECONDS),
        },
    )
    schedule = settings.CELERY_BEAT_SCHEDULE["lifecycle-sweep"]["schedule"]
    run_at = deadline
    while True:
        run_at = scheduled_after(schedule, run_at)
        time_machine.move_to(run_at, tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            summary = lifecycle_sweep(now=run_at)
        if not summary.locked_out:
            break
        assert run_at - deadline < timedelta(hours=1)
    # The run itself takes time: the next one must start well before the hour.
    assert run_at - deadline <= timedelta(minutes=30)
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()
