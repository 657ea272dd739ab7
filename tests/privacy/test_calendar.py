"""Deadlines in Europe/Paris calendar days and months."""

import datetime as dt

from privacy import calendar

from .conftest import paris


def test_days_deadline_ends_at_paris_midnight_starting_the_day_after_the_last():
    assert calendar.days_deadline(paris(2027, 3, 10, 14, 5), 15) == paris(2027, 3, 26, 0, 0)


def test_days_deadline_is_midnight_paris_across_a_dst_change():
    due = calendar.days_deadline(paris(2027, 3, 1, 9, 0), 30)
    assert due == paris(2027, 4, 1, 0, 0)
    assert due.utcoffset() == dt.timedelta(0)
    assert due.hour == 22  # 00:00 CEST


def test_one_month_from_31_january_ends_with_28_february():
    assert calendar.months_deadline(paris(2027, 1, 31, 10, 0), 1) == paris(2027, 3, 1, 0, 0)


def test_one_month_from_a_leap_day_ends_with_29_march():
    assert calendar.months_deadline(paris(2028, 2, 29, 10, 0), 1) == paris(2028, 3, 30, 0, 0)


def test_three_months_cross_the_year():
    assert calendar.months_deadline(paris(2027, 11, 30, 23, 30), 3) == paris(2028, 3, 1, 0, 0)


def test_days_before_keeps_paris_wall_clock():
    due = paris(2027, 4, 1, 0, 0)
    assert calendar.days_before(due, 15) == paris(2027, 3, 17, 0, 0)
