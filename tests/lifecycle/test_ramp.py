"""Day one of an import: a backlog of overdue warnings spread by the ramp (issue 14).

LIFECYCLE_WARNINGS_PER_DAY caps the warnings a Paris calendar day, the most
overdue first. The law still holds for every account: a warning first, its full
15 days from its own acceptance, then the deactivation and its 15 days.
"""

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import override_settings

from accounts.models import AccountState, User
from lifecycle import calendar, selectors
from lifecycle.models import Notice
from lifecycle.sweep import lifecycle_sweep

from .conftest import paris

pytestmark = pytest.mark.django_db

FIRST_DAY = paris(2027, 6, 1, 0, 5)  # the hourly sweep just after midnight
BACKLOG = 2_000
PER_DAY = 500


def _backlog() -> list[int]:
    """2,000 accounts overdue for years; the later created, the longer inactive."""
    base = paris(2024, 6, 1, 12, 0)
    users = User.objects.bulk_create(
        User(
            email=f"import{n}@example.fr",
            first_name="I",
            last_name=str(n),
            password="!",
            date_joined=base - timedelta(days=400),
            last_activity_at=base - timedelta(hours=n),
        )
        for n in range(BACKLOG)
    )
    return [user.pk for user in users]


def _provider_accepts_every_pending_notice_at_once() -> None:
    """The provider takes every notice the instant it is queued (set-based, for speed:
    sending one is ``lifecycle.notices``' business, tested on its own)."""
    pending = Notice.objects.filter(status=Notice.Status.PENDING)
    for kind, state in (
        (Notice.Kind.WARNING, AccountState.WARNED),
        (Notice.Kind.DEACTIVATION, AccountState.DEACTIVATED),
    ):
        User.objects.filter(
            state=state,
            notice_sent_at__isnull=True,
            pk__in=pending.filter(kind=kind).values("user_id"),
        ).update(notice_sent_at=F("state_changed_at"))
    pending.update(status=Notice.Status.ACCEPTED, accepted_at=F("created_at"))


def sweep(day, time_machine):
    time_machine.move_to(day, tick=False)
    summary = lifecycle_sweep(now=day)
    _provider_accepts_every_pending_notice_at_once()
    return summary


@override_settings(LIFECYCLE_WARNINGS_PER_DAY=PER_DAY)
def test_a_backlog_is_warned_500_a_day_most_overdue_first_with_every_delay_kept(time_machine):
    ids = _backlog()
    most_overdue_first = list(reversed(ids))
    backlog = selectors.warning_backlog(now=FIRST_DAY)
    assert (backlog.overdue, backlog.per_day, backlog.days_to_drain) == (2_000, 500, 4)

    warned_on, deactivated_on, deleted_on = {}, {}, {}
    day = FIRST_DAY
    for _ in range(36):
        summary = sweep(day, time_machine)
        assert len(summary.warned) <= PER_DAY
        today = calendar.paris_date(day)
        for pk, state in User.objects.filter(pk__in=ids).values_list("pk", "state"):
            if state == AccountState.WARNED:
                warned_on.setdefault(pk, today)
            elif state == AccountState.DEACTIVATED:
                deactivated_on.setdefault(pk, today)
        for pk in set(ids) - set(User.objects.filter(pk__in=ids).values_list("pk", flat=True)):
            deleted_on.setdefault(pk, today)
        if day == FIRST_DAY:
            after = selectors.warning_backlog(now=day)
            assert (after.overdue, after.days_to_drain) == (1_500, 3)
        day += timedelta(days=1)

    first = calendar.paris_date(FIRST_DAY)
    for rank, pk in enumerate(most_overdue_first):
        warning_day = first + timedelta(days=rank // PER_DAY)
        assert warned_on[pk] == warning_day, (rank, pk)
        # Warned at 00:05 on its day (accepted then): deactivated at the first sweep
        # from 00:00 on day 16, i.e. 16 calendar days later; deleted 16 days after that.
        assert deactivated_on[pk] == warning_day + timedelta(days=16), (rank, pk)
        assert deleted_on[pk] == warning_day + timedelta(days=32), (rank, pk)
    assert selectors.warning_backlog(now=day).overdue == 0
