"""Activity ingestion (``POST /api/v1/activity``'s service), 10,000 items, against its floor.

Two batches of 10,000 accounts holding an access on one platform: all active;
then 1,000 of them warned (the batch brings them back to active). Ours is
``platforms.activity.activity_report`` (validation, lookups, recording,
reactivation of the warned); the floor is a raw
``UPDATE … FROM (VALUES …)`` of the same (id, instant) pairs, run in a
rolled-back transaction just before (twice, the second timed).
"""

import os
import pathlib
import sys
from datetime import timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_database, counting, report, timed

ITEMS = 10_000
WARNED = 1_000
PLATFORM = "mgestion-entreprise"


def candidates(platform, *, count: int, offset: int) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT DISTINCT m.user_id FROM platforms_access a
              JOIN accounts_membership m ON m.id = a.membership_id
              JOIN accounts_user u ON u.id = m.user_id
             WHERE a.platform_id = %s AND u.state = 'active' AND NOT u.is_staff
             ORDER BY m.user_id LIMIT %s OFFSET %s
            """,
            [platform.pk, count, offset],
        )
        return [row[0] for row in cursor.fetchall()]


def warn(user_ids: list[int], *, at) -> None:
    """Put accounts in the warned state, as a sweep three days earlier would have."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET state = 'warned', state_changed_at = %s,"
            " notice_sent_at = %s WHERE id = ANY(%s)",
            [at, at + timedelta(minutes=2), user_ids],
        )


def floor(pairs) -> float:
    from django.db import connection, transaction

    values = ", ".join(["(%s, %s::timestamptz)"] * len(pairs))
    params = [v for pair in pairs for v in pair]
    sql = (
        f"UPDATE accounts_user u SET last_activity_at = v.at FROM (VALUES {values}) v(id, at)"  # noqa: S608
        " WHERE u.id = v.id AND (u.last_activity_at IS NULL OR u.last_activity_at < v.at)"
    )
    seconds = []
    for _ in range(2):
        with transaction.atomic():
            with connection.cursor() as cursor, timed() as t:
                cursor.execute(sql, params)
            seconds.append(t.seconds)
            transaction.set_rollback(True)
    return seconds[-1]


def main() -> None:
    users = int(os.environ.get("BENCH_USERS", "1000000"))
    with bench_database("ingest", users=users):
        from bench.seed import NOW
        from platforms.activity import activity_report
        from platforms.models import Platform

        platform = Platform.objects.get(code=PLATFORM)
        at = NOW - timedelta(hours=1)
        ids = candidates(platform, count=2 * ITEMS, offset=0)
        batches = [("ingest 10,000 active", ids[:ITEMS], [])]
        mixed = ids[ITEMS : 2 * ITEMS]
        warn(mixed[::10][:WARNED], at=NOW - timedelta(days=3))
        batches.append(("ingest 10,000 with 1,000 warned", mixed, mixed[::10][:WARNED]))
        for label, batch, warned in batches:
            pairs = [(pk, at) for pk in batch]
            floor_seconds = floor(pairs)
            items = [{"sub": str(pk), "at": at.isoformat()} for pk in batch]
            with counting() as queries, timed() as t:
                results = activity_report(platform=platform, items=items, now=NOW)
            recorded = sum(1 for r in results if r.status == 200)
            report(
                label,
                ours=t.seconds,
                floor=floor_seconds,
                queries=queries.count,
                target="<= 2x floor",
                extra=f"{recorded} recorded, {len(warned)} warned in the batch",
            )


if __name__ == "__main__":
    main()
