"""EXPLAIN (ANALYZE, BUFFERS) of every query one chunk of each sweep step runs.

``DATABASE_URL=postgres://... python bench/explain_sweep.py [--now ISO] [--chunk N]``
on a seeded database (``bench/seed.py``). Each step's first chunk runs inside a
transaction that is rolled back: nothing changes. Prints, per query, its time
and plan, and flags any sequential scan on a large table.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


class Rollback(Exception):
    pass


def main(argv=None) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    from lifecycle import selectors, sweep

    parser = argparse.ArgumentParser()
    parser.add_argument("--now")
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("EXPLAIN needs PostgreSQL: set DATABASE_URL.")
    now = parse_datetime(args.now) if args.now else timezone.now()
    steps = [
        (
            "deletion",
            lambda: next(sweep._pk_chunks(sweep.due_for_deletion(now=now), args.chunk), []),
            sweep._delete_chunk,
        ),
        (
            "deactivation",
            lambda: next(sweep._pk_chunks(sweep.due_for_deactivation(now=now), args.chunk), []),
            sweep._deactivate_chunk,
        ),
        (
            "warning",
            lambda: next(selectors.warning_chunks(now=now, size=args.chunk), []),
            sweep._warn_chunk,
        ),
    ]
    for name, select, act in steps:
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        started = time.perf_counter()
        try:
            with transaction.atomic(), connection.execute_wrapper(capture):
                ids = select()
                acted = act(ids, now=now) if ids else []
                elapsed = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        print(
            f"\n=== {name}: chunk of {len(ids)} ids, {len(acted)} acted on, "
            f"{len(captured)} queries, {elapsed * 1000:.0f} ms (rolled back)"
        )
        for sql, params in captured:
            if sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                continue
            with transaction.atomic():
                with connection.cursor() as cursor:
                    try:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                        plan = [row[0] for row in cursor.fetchall()]
                    except Exception as exc:
                        plan = [f"(not explained: {exc})"]
                transaction.set_rollback(True)
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            seq = [line.strip() for line in plan if "Seq Scan" in line]
            short = re.sub(r"\s+", " ", sql)[:160]
            print(f"\n-- {short}\n   {total}{'   SEQ: ' + '; '.join(seq) if seq else ''}")
            for line in plan[:12]:
                print("   " + line)


if __name__ == "__main__":
    main()
