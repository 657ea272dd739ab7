"""Deadlines only the privacy app has, built on the lifecycle calendar.

The Europe/Paris calendar rules (Paris midnight, "N days after a notice",
calendar-month addition clamped to the month's end) live in
``lifecycle.calendar``; a proof of authority's deadline is
``lifecycle.calendar.notice_deadline(requested_at, days=N)``. Here:

- the GDPR's "one month" (art. 12(3)): it ends with the day of the next month
  that has the same number as the day of receipt (or that month's last day
  when it has no such day), i.e. at 00:00 Europe/Paris the day after;
- reminders "N days before" a deadline.
All functions take aware datetimes and return aware UTC datetimes.
"""

import datetime as dt

from lifecycle.calendar import PARIS, add_months, paris_date, paris_midnight


def months_deadline(start: dt.datetime, months: int) -> dt.datetime:
    """End of the day ``months`` calendar months after the Paris day of ``start``."""
    last_day = paris_date(add_months(start, months))
    return paris_midnight(last_day + dt.timedelta(days=1))


def days_before(deadline: dt.datetime, days: int) -> dt.datetime:
    """The same Paris wall-clock time ``days`` calendar days before ``deadline``."""
    local = deadline.astimezone(PARIS)
    earlier = dt.datetime.combine(
        local.date() - dt.timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=PARIS
    )
    return earlier.astimezone(dt.UTC)
