"""The lifecycle calendar (DOMAIN.md, "The account lifecycle"): pure functions.

Invariants:
- days are calendar days in Europe/Paris; the day of the notice does not count,
  so "until the 15th day inclusive" ends at 00:00 Europe/Paris starting day 16;
- months are calendar months of the Paris wall clock, clamped to the end of the
  month (29 February + 24 months = 28 February);
- aware datetimes in, aware UTC datetimes out. Naive input is refused.
"""

import calendar as _calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import app_settings

PARIS = ZoneInfo("Europe/Paris")


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("An aware datetime is required.")


def paris_date(at: datetime) -> date:
    """The Europe/Paris calendar date of the instant ``at``."""
    _require_aware(at)
    return at.astimezone(PARIS).date()


def paris_midnight(day: date) -> datetime:
    """00:00 Europe/Paris at the start of ``day``, as UTC (always exists in Paris)."""
    return datetime.combine(day, time(0), tzinfo=PARIS).astimezone(UTC)


def notice_deadline(notified_at: datetime, *, days: int | None = None) -> datetime:
    """When the step announced by a notice accepted at ``notified_at`` falls due.

    00:00 Europe/Paris at the start of day ``days + 1``, day 1 being the Paris
    calendar day after the notice's.
    """
    days = app_settings.notice_days() if days is None else days
    return paris_midnight(paris_date(notified_at) + timedelta(days=days + 1))


def notice_last_day(notified_at: datetime, *, days: int | None = None) -> date:
    """The last Paris calendar day (inclusive) the notice leaves to the user."""
    return paris_date(notice_deadline(notified_at, days=days)) - timedelta(days=1)


def notice_sent_before(now: datetime, *, days: int | None = None) -> datetime:
    """The cut-off: a notice accepted strictly before it is due at ``now``.

    ``notice_deadline(t) <= now`` exactly when ``t < notice_sent_before(now)``,
    which lets the sweep select due accounts in SQL.
    """
    days = app_settings.notice_days() if days is None else days
    return paris_midnight(paris_date(now) - timedelta(days=days))


def add_months(at: datetime, months: int) -> datetime:
    """``at`` plus calendar months on the Paris wall clock, clamped to the month's end.

    A wall time that does not exist (spring forward) lands just after the gap;
    an ambiguous one (fall back) takes its first occurrence.
    """
    _require_aware(at)
    local = at.astimezone(PARIS)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, _calendar.monthrange(year, month)[1])
    wall = local.replace(tzinfo=None, year=year, month=month, day=day, fold=0)
    return wall.replace(tzinfo=PARIS).astimezone(UTC)


def inactivity_due(last_activity_at: datetime, *, months: int | None = None) -> datetime:
    """When an account last active at ``last_activity_at`` is due a warning."""
    months = app_settings.inactivity_months() if months is None else months
    return add_months(last_activity_at, months)


def inactive_since_at_most(now: datetime, *, months: int | None = None) -> datetime:
    """A cut-off that every activity instant due a warning at ``now`` precedes.

    ``inactivity_due(t) <= now`` implies ``t <= inactive_since_at_most(now)``:
    the shortest span of ``months`` calendar months (end-of-month clamping, one
    DST hour) is longer than the span subtracted here. The sweep selects
    candidates with it in SQL, then checks each exactly with ``inactivity_due``.
    """
    months = app_settings.inactivity_months() if months is None else months
    shortest = timedelta(days=(months * 365) // 12 - 4)
    return now - shortest
