"""Privacy deadlines (GDPR months, reminders) in Europe/Paris calendar days and months.

Days after a notice are lifecycle.calendar.notice_deadline (tests/lifecycle/test_calendar.py).
"""

from privacy import calendar

from .conftest import paris


def test_one_month_from_31_january_ends_with_28_february():
    assert calendar.months_deadline(paris(2027, 1, 31, 10, 0), 1) == paris(2027, 3, 1, 0, 0)


def test_one_month_from_a_leap_day_ends_with_29_march():
    assert calendar.months_deadline(paris(2028, 2, 29, 10, 0), 1) == paris(2028, 3, 30, 0, 0)


def test_three_months_cross_the_year():
    assert calendar.months_deadline(paris(2027, 11, 30, 23, 30), 3) == paris(2028, 3, 1, 0, 0)


def test_days_before_keeps_paris_wall_clock():
    due = paris(2027, 4, 1, 0, 0)
    assert calendar.days_before(due, 15) == paris(2027, 3, 17, 0, 0)
