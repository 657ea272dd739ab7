"""Deadlines of the privacy app, in Europe/Paris calendar days and months.

- A deadline of N days after a notice ends at 00:00 Europe/Paris starting day
  N+1 (the day of the notice does not count, as in DOMAIN.md).
- The GDPR's "one month" (art. 12(3)) ends with the day of the next month that
  has the same number as the day of receipt (or that month's last day when it
  has no such day), i.e. at 00:00 Europe/Paris the day after.
All functions take aware datetimes and return aware UTC datetimes.
"""

import calendar as _calendar
import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def _paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(dt.UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus calendar months, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def days_deadline(start: dt.datetime, days: int) -> dt.datetime:
    """00:00 Europe/Paris starting day ``days + 1`` after the Paris day of ``start``."""
    return _paris_midnight(start.astimezone(PARIS).date() + dt.timedelta(days=days + 1))


def months_deadline(start: dt.datetime, months: int) -> dt.datetime:
    """End of the day ``months`` calendar months after the Paris day of ``start``."""
    last_day = add_months(start.astimezone(PARIS).date(), months)
    return _paris_midnight(last_day + dt.timedelta(days=1))


def days_before(deadline: dt.datetime, days: int) -> dt.datetime:
    """The same Paris wall-clock time ``days`` calendar days before ``deadline``."""
    local = deadline.astimezone(PARIS)
    earlier = dt.datetime.combine(
        local.date() - dt.timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=PARIS
    )
    return earlier.astimezone(dt.UTC)


def paris_days_between(earlier: dt.datetime, later: dt.datetime) -> int:
    """Whole Paris calendar days from ``earlier``'s day to ``later``'s day."""
    return (later.astimezone(PARIS).date() - earlier.astimezone(PARIS).date()).days
