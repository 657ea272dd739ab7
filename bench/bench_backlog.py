"""Day one: 300,000 accounts overdue among 1M, the sweep with the ramp-up (issue 14, part 2).

On a clone of the seeded database, 3 in 10 active accounts get a last
activity 25 to 60 months old (about 300,000 overdue with the seeded 1 %).
Then the clock travels one day at a time (then to day 16, when the first
warnings of the backlog fall due): each day one sweep at 08:00 Paris
(an hourly sweep finds today's allowance spent after the first), the notices
it queued are accepted by the provider five minutes later (what the outbox
does), and the day's figures are printed: warnings sent, deactivations,
backlog and forecast (``lifecycle.selectors.warning_backlog``), sweep time.
Checked on every day: no more warnings than ``LIFECYCLE_WARNINGS_PER_DAY``,
the most overdue first, and no deactivation before its warning's full days.
Prints how many days the backlog takes to drain.
"""

import os
import pathlib
import sys
from datetime import timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_database, counting, note, report, timed
from bench.seed import NOW

OVERDUE_SHARE = 3  # in 10 active accounts
PER_DAY = int(os.environ.get("BENCH_WARNINGS_PER_DAY", "30000"))
DAYS = int(os.environ.get("BENCH_BACKLOG_DAYS", "11"))  # daily sweeps, then day 16


def make_backlog() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE accounts_user
               SET last_activity_at = %(now)s - interval '25 months' - (id %% 1000) * interval '1 day',
                   date_joined = LEAST(date_joined, %(now)s - interval '61 months')
             WHERE state = 'active' AND NOT is_staff AND NOT is_superuser AND id %% 10 < %(share)s
            """,
            {"now": NOW, "share": OVERDUE_SHARE},
        )
        made = cursor.rowcount
        cursor.execute("ANALYZE accounts_user")
        return made


def accept_pending_notices(at) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lifecycle_notice SET status = 'accepted', accepted_at = %s, attempts = 1"
            " WHERE status = 'pending'",
            [at],
        )
        accepted = cursor.rowcount
        cursor.execute(
            "UPDATE accounts_user SET notice_sent_at = %s WHERE state IN ('warned', 'deactivated')"
            " AND notice_sent_at IS NULL AND notice_failed_at IS NULL",
            [at],
        )
        return accepted


def too_early_deactivations() -> int:
    """Accounts deactivated for inactivity before the full days of their warning."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM lifecycle_journalentry d
              JOIN lifecycle_notice w ON w.user_id = d.user_id AND w.kind = 'warning'
                                     AND w.status = 'accepted'
             WHERE d.action = 'deactivated' AND d.reason = 'inactivity'
               AND d.at < w.accepted_at + interval '15 days'
            """
        )
        return cursor.fetchone()[0]


def most_overdue_first(now) -> bool:
    """The accounts still waiting were all active more recently than those warned."""
    from django.db import connection

    from lifecycle import calendar

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT max(GREATEST(date_joined, last_activity_at, reactivated_at))
                      FROM accounts_user WHERE state = 'warned' AND state_changed_at >= %s),
                   (SELECT min(GREATEST(date_joined, last_activity_at, reactivated_at))
                      FROM accounts_user WHERE state = 'active' AND NOT is_staff
                       AND GREATEST(date_joined, last_activity_at, reactivated_at) <= %s)
            """,
            [now, calendar.inactive_since_at_most(now)],
        )
        newest_warned, oldest_waiting = cursor.fetchone()
    return newest_warned is None or oldest_waiting is None or newest_warned <= oldest_waiting


def main() -> None:
    users = int(os.environ.get("BENCH_USERS", "1000000"))
    with bench_database("backlog", users=users):
        from django.test.utils import override_settings

        from lifecycle.selectors import warning_backlog
        from lifecycle.sweep import lifecycle_sweep

        made = make_backlog()
        note(f"backlog: {made:,} accounts made overdue; ramp {PER_DAY:,} warnings a day")
        drained_on = None
        total_seconds = 0.0
        with override_settings(LIFECYCLE_WARNINGS_PER_DAY=PER_DAY):
            start_backlog = warning_backlog(now=NOW)
            note(
                f"backlog at day 0: {start_backlog.overdue:,} overdue, forecast"
                f" {start_backlog.days_to_drain} days"
            )
            late = [16] if os.environ.get("BENCH_BACKLOG_LATE", "1") == "1" else []
            for day in [*range(DAYS), *late]:
                now = NOW + timedelta(days=day)
                with counting() as queries, timed() as t:
                    summary = lifecycle_sweep(now=now)
                total_seconds += t.seconds
                counts = summary.counts()
                # What the sweep left behind, counted at its own instant: accounts
                # become due continuously (24 months after their last activity, to
                # the second), so any later instant also counts the few that fell
                # due since, which only the next sweep can warn.
                backlog = warning_backlog(now=now)
                accept_pending_notices(now + timedelta(minutes=5))
                assert counts["warned"] <= PER_DAY, counts
                if counts["warned"]:
                    assert most_overdue_first(now), f"day {day}: not the most overdue first"
                report(
                    f"backlog day {day}",
                    ours=t.seconds,
                    queries=queries.count,
                    extra=(
                        f"warned {counts['warned']:,} deactivated {counts['deactivated']:,}"
                        f" deleted {counts['deleted']:,}; left {backlog.overdue:,}"
                        f" (forecast {backlog.days_to_drain} days)"
                    ),
                )
                if backlog.overdue == 0 and drained_on is None:
                    drained_on = day
            early = too_early_deactivations()
        report(
            "backlog drain",
            ours=total_seconds,
            target=f"<= {PER_DAY:,} warnings a day, no deactivation before 15 days",
            extra=(
                f"{made:,} made overdue, drained after day {drained_on}"
                f" ({'not within' if drained_on is None else 'within'} {DAYS} daily sweeps);"
                f" deactivations before their 15 days: {early}"
            ),
        )


if __name__ == "__main__":
    main()
