"""Time the lifecycle sweep over N accounts of which a tenth are due (default 100,000).

Runs against a throw-away test database (SQLite by default; DATABASE_URL for
PostgreSQL): ``python bench/bench_sweep.py [N]``. Prints accounts, due accounts,
queries, and seconds for the selection and for the whole sweep.
"""

import os
import pathlib
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))


def main(total: int | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    if total is None:
        total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        from accounts.models import User
        from config.celery import app
        from lifecycle.sweep import due_for_deletion, due_for_warning_ids, lifecycle_sweep

        app.conf.task_always_eager = True
        now = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
        old_day, recent = now - timedelta(days=800), now - timedelta(days=30)
        due = total // 10
        rows = [
            User(
                email=f"bench{n}@example.fr",
                first_name="B",
                last_name=str(n),
                password="!",  # noqa: S106 - unusable password
                date_joined=old_day,
                last_activity_at=old_day if n < due else recent,
            )
            for n in range(total)
        ]
        User.objects.bulk_create(rows, batch_size=5_000)
        executed = []

        def count(execute, sql, params, many, context):
            executed.append(sql)
            return execute(sql, params, many, context)

        start = time.perf_counter()
        ids = due_for_warning_ids(now=now)
        list(due_for_deletion(now=now).values_list("pk", flat=True))
        selection = time.perf_counter() - start
        start = time.perf_counter()
        with connection.execute_wrapper(count):
            summary = lifecycle_sweep(now=now)
        elapsed = time.perf_counter() - start
        print(
            f"sweep[{connection.vendor}]: {total} accounts, {len(ids)} due, "
            f"{len(summary.warned)} warned, {len(executed)} queries, "
            f"selection {selection:.2f} s, sweep {elapsed:.2f} s"
        )
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
