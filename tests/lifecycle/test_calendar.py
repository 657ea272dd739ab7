"""The calendar of DOMAIN.md: Paris calendar days, day of notice not counted, months."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from lifecycle.calendar import (
    add_months,
    inactive_since_at_most,
    inactivity_due,
    notice_deadline,
    notice_last_day,
    notice_sent_before,
)

from .conftest import paris

# --- DOMAIN.md's table ---------------------------------------------------------


def test_admin_deactivation_notice_of_10_march_deletes_at_midnight_starting_26_march():
    due = notice_deadline(paris(2027, 3, 10, 14, 5))
    assert due == paris(2027, 3, 26, 0, 0)
    assert due == datetime(2027, 3, 25, 23, 0, tzinfo=UTC)
    assert notice_last_day(paris(2027, 3, 10, 14, 5)) == date(2027, 3, 25)


def test_reactivation_at_23_59_on_day_15_is_before_the_deadline():
    assert paris(2027, 3, 25, 23, 59) < notice_deadline(paris(2027, 3, 10, 14, 5))


def test_last_activity_31_january_2025_is_due_a_warning_31_january_2027():
    assert inactivity_due(paris(2025, 1, 31, 9, 0)) == paris(2027, 1, 31, 9, 0)


def test_warning_of_31_january_deactivates_at_midnight_starting_16_february():
    assert notice_deadline(paris(2027, 1, 31, 10, 0)) == paris(2027, 2, 16, 0, 0)
    assert notice_last_day(paris(2027, 1, 31, 10, 0)) == date(2027, 2, 15)


def test_deactivation_notice_of_16_february_00_10_deletes_at_midnight_starting_4_march():
    assert notice_deadline(paris(2027, 2, 16, 0, 10)) == paris(2027, 3, 4, 0, 0)
    assert notice_last_day(paris(2027, 2, 16, 0, 10)) == date(2027, 3, 3)


def test_29_february_plus_24_months_is_28_february():
    assert inactivity_due(paris(2024, 2, 29, 12, 0)) == paris(2026, 2, 28, 12, 0)


# --- Paris days, not UTC days ------------------------------------------------------


def test_notice_just_after_paris_midnight_counts_from_the_paris_day_not_the_utc_day():
    # 00:10 Paris on 16 Feb is 23:10 UTC on 15 Feb: day 1 is 17 Feb, not 16 Feb.
    sent = datetime(2027, 2, 15, 23, 10, tzinfo=UTC)
    assert notice_deadline(sent) == paris(2027, 3, 4, 0, 0)


def test_notice_just_after_paris_midnight_in_summer_time():
    sent = datetime(2027, 6, 30, 22, 5, tzinfo=UTC)  # 00:05 CEST on 1 July
    assert notice_deadline(sent) == paris(2027, 7, 17, 0, 0)
    assert notice_deadline(sent) == datetime(2027, 7, 16, 22, 0, tzinfo=UTC)


def test_notice_just_before_paris_midnight_counts_from_that_day():
    sent = paris(2027, 2, 15, 23, 59)
    assert notice_deadline(sent) == paris(2027, 3, 3, 0, 0)


@pytest.mark.parametrize(
    ("sent", "deadline_utc"),
    [
        # Spring forward on 28 March 2027: notice in winter time, deadline in summer time.
        (paris(2027, 3, 20, 12, 0), datetime(2027, 4, 4, 22, 0, tzinfo=UTC)),
        # Notice on the day of the change itself.
        (paris(2027, 3, 28, 1, 30), datetime(2027, 4, 12, 22, 0, tzinfo=UTC)),
        # Fall back on 31 October 2027: notice in summer time, deadline in winter time.
        (paris(2027, 10, 25, 12, 0), datetime(2027, 11, 9, 23, 0, tzinfo=UTC)),
        (paris(2027, 10, 31, 2, 30, 0, 0), datetime(2027, 11, 15, 23, 0, tzinfo=UTC)),
    ],
)
def test_deadline_is_paris_midnight_across_daylight_saving_changes(sent, deadline_utc):
    assert notice_deadline(sent) == deadline_utc


def test_durations_are_settings():
    with override_settings(LIFECYCLE_NOTICE_DAYS=30, LIFECYCLE_INACTIVITY_MONTHS=12):
        assert notice_deadline(paris(2027, 3, 10, 14, 5)) == paris(2027, 4, 10, 0, 0)
        assert inactivity_due(paris(2025, 1, 31, 9, 0)) == paris(2026, 1, 31, 9, 0)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        notice_deadline(datetime(2027, 3, 10, 14, 5))


# --- Months on the Paris wall clock ---------------------------------------------------


def test_months_keep_the_paris_wall_time_across_daylight_saving():
    assert add_months(paris(2025, 1, 15, 9, 0), 6) == paris(2025, 7, 15, 9, 0)


def test_month_end_is_clamped():
    assert add_months(paris(2025, 1, 31, 9, 0), 1) == paris(2025, 2, 28, 9, 0)
    assert add_months(paris(2024, 1, 31, 9, 0), 1) == paris(2024, 2, 29, 9, 0)


def test_wall_time_lost_to_spring_forward_lands_after_the_gap():
    due = add_months(paris(2025, 3, 29, 2, 30), 24)  # 29 March 2027 is a normal day
    assert due == paris(2027, 3, 29, 2, 30)
    due = add_months(paris(2026, 2, 28, 2, 30), 1)  # 28 March 2026: normal
    assert due == paris(2026, 3, 28, 2, 30)
    gap = add_months(paris(2025, 3, 29, 2, 30), 12)  # 29 March 2026 02:30 does not exist
    assert gap == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # = 03:30 CEST


# --- The SQL cut-offs agree with the exact functions -------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        paris(2027, 3, 26, 0, 0),
        paris(2027, 3, 25, 23, 59),
        paris(2027, 3, 28, 12, 0),
        paris(2027, 10, 31, 1, 0),
        datetime(2027, 2, 15, 23, 10, tzinfo=UTC),
    ],
)
def test_notice_cutoff_selects_exactly_the_due_notices(now):
    cutoff = notice_sent_before(now)
    for minutes in range(-60 * 24 * 20, 60 * 24, 37):
        sent = now + timedelta(minutes=minutes)
        assert (notice_deadline(sent) <= now) == (sent < cutoff)


def test_inactivity_cutoff_is_a_superset_of_due_accounts():
    start = paris(2023, 1, 1, 0, 30)
    for hours in range(0, 24 * 800, 7):
        last = start + timedelta(hours=hours)
        due = inactivity_due(last)
        assert last <= inactive_since_at_most(due)
