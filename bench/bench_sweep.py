"""The lifecycle sweep on the seeded accounts, against its floor, in one run.

1. The mix at the bench instant (1M: 10,000 warnings, ~2,200 deactivations,
   ~3,100 deletions due) against the floor: one ``UPDATE … FROM (due rows)``
   selecting the same rows (run twice inside a rolled-back transaction, the
   second timed, so both sides find the pages in cache).
2. "Nothing due": the next hourly sweep, once the notices of the first were
   accepted, against the same UPDATE selecting nothing.
Each prints ours, the floor, their ratio, the queries and the peak RSS.
"""

import os
import pathlib
import sys
from datetime import timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_database, counting, cpu_timed, note, report, timed

FLOOR_SQL = """
UPDATE accounts_user u SET state_changed_at = %(now)s
  FROM (
    SELECT id FROM accounts_user
     WHERE state = 'active' AND NOT is_staff AND NOT is_superuser
       AND GREATEST(date_joined, last_activity_at, reactivated_at) <= %(before)s
    UNION ALL
    SELECT id FROM accounts_user
     WHERE state = 'warned' AND NOT is_staff AND NOT is_superuser
       AND notice_failed_at IS NULL AND notice_sent_at < %(cutoff)s
    UNION ALL
    SELECT id FROM accounts_user
     WHERE state = 'deactivated' AND NOT is_staff AND NOT is_superuser
       AND notice_failed_at IS NULL AND notice_sent_at < %(cutoff)s
  ) due
 WHERE u.id = due.id
"""


def floor(now) -> tuple[float, int, float | None]:
    """Seconds, rows and PostgreSQL CPU seconds of the one-statement UPDATE (rolled back)."""
    from django.db import connection, transaction

    from lifecycle import calendar

    params = {
        "now": now,
        "before": calendar.inactive_since_at_most(now),
        "cutoff": calendar.notice_sent_before(now),
    }
    seconds, rows, cpu = [], 0, None
    for _ in range(2):
        with transaction.atomic():
            with cpu_timed() as c, connection.cursor() as cursor, timed() as t:
                cursor.execute(FLOOR_SQL, params)
                rows = cursor.rowcount
            seconds.append(t.seconds)
            cpu = c.backend
            transaction.set_rollback(True)
    return seconds[-1], rows, cpu


def explain_floor(now) -> None:
    from django.db import connection, transaction

    from lifecycle import calendar

    params = {
        "now": now,
        "before": calendar.inactive_since_at_most(now),
        "cutoff": calendar.notice_sent_before(now),
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {FLOOR_SQL}", params)
            print("\n".join(f"      {row[0]}" for row in cursor.fetchall()), flush=True)
        transaction.set_rollback(True)


def accept_pending_notices(at) -> None:
    """What the outbox worker does between two sweeps: the provider accepts every notice."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE lifecycle_notice SET status = 'accepted', accepted_at = %s, attempts = 1"
            " WHERE status = 'pending'",
            [at],
        )
        cursor.execute(
            "UPDATE accounts_user SET notice_sent_at = %s WHERE state IN ('warned', 'deactivated')"
            " AND notice_sent_at IS NULL AND notice_failed_at IS NULL",
            [at],
        )


def run_sweep(now):
    from lifecycle.sweep import lifecycle_sweep

    with cpu_timed() as cpu, counting() as queries, timed() as t:
        summary = lifecycle_sweep(now=now)
    return summary, queries.count, t.seconds, cpu


def cpu_note(cpu, floor_cpu) -> str:
    """CPU seconds of ours (the app and its PostgreSQL backend) against the floor's."""
    if cpu.backend is None or floor_cpu is None:
        return f"app CPU {cpu.app:.2f} s"
    ours = cpu.app + cpu.backend
    ratio = f"{ours / floor_cpu:.2f}x" if floor_cpu else "-"
    return (
        f"CPU ours {ours:.2f} s (app {cpu.app:.2f} + PostgreSQL {cpu.backend:.2f})"
        f" vs floor {floor_cpu:.2f} s: {ratio}"
    )


def main() -> None:
    users = int(os.environ.get("BENCH_USERS", "1000000"))
    with bench_database("sweep", users=users):
        from bench.seed import NOW
        from config.celery import app

        app.conf.task_always_eager = False  # notices are queued, not sent, during the sweep
        floor_seconds, rows, floor_cpu = floor(NOW)
        summary, queries, seconds, cpu = run_sweep(NOW)
        counts = summary.counts()
        report(
            "sweep mix",
            ours=seconds,
            floor=floor_seconds,
            queries=queries,
            target="<= 3x floor, peak RSS < 300 MB",
            extra=f"floor rows {rows}; done {counts}; {cpu_note(cpu, floor_cpu)}",
        )
        if os.environ.get("BENCH_EXPLAIN"):
            explain_floor(NOW)
        later = NOW + timedelta(hours=1)
        accept_pending_notices(NOW + timedelta(minutes=5))
        floor_seconds, rows, floor_cpu = floor(later)
        summary, queries, seconds, cpu = run_sweep(later)
        report(
            "sweep nothing due",
            ours=seconds,
            floor=floor_seconds,
            queries=queries,
            target="<= 1.2x floor",
            extra=f"floor rows {rows}; done {summary.counts()}; {cpu_note(cpu, floor_cpu)}",
        )
        note("sweep: the floor updates the due rows only; ours also writes journal, notices,")
        note("tombstones, revokes sessions/tokens and erases every table of deleted accounts")


if __name__ == "__main__":
    main()
