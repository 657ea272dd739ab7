"""EXPLAIN (ANALYZE, BUFFERS) of the sweep's and the back-office's queries on the seeded data.

``python bench/explain.py`` (PostgreSQL, ``BENCH_TEMPLATE`` or the 1M template):
on a clone, prints the plans of the sweep's selections and per-chunk
statements (first chunk of each step, inside a rolled-back transaction for
the writes) and of the admin user list (first page, a role filter, a reason
filter, searches). For ``docs/benchmarks.md``.
"""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_database
from bench.seed import NOW


def plan(sql: str, params=None) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def show(title: str, sql: str, text: str) -> None:
    print(f"\n### {title}\n\n```sql\n{sql[:1500]}\n```\n\n```\n{text}\n```", flush=True)


def sweep_plans() -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from lifecycle import sweep
    from lifecycle.selectors import due_for_deactivation, due_for_deletion, inactivity_candidates

    for title, queryset in [
        ("sweep: deletions due (first chunk of ids)", due_for_deletion(now=NOW)),
        ("sweep: deactivations due (first chunk of ids)", due_for_deactivation(now=NOW)),
        ("sweep: warning candidates (first chunk of ids)", inactivity_candidates(now=NOW)),
    ]:
        ids = queryset.order_by("pk").values_list("pk", flat=True)[:500]
        sql, params = ids.query.sql_with_params()
        show(title, sql % tuple(repr(str(p)) for p in params), plan(sql, params))
    # One chunk of each step, its statements captured, then each explained (rolled back).
    for title, queryset, action in [
        ("deletion chunk", due_for_deletion(now=NOW), sweep._delete_chunk),
        ("deactivation chunk", due_for_deactivation(now=NOW), sweep._deactivate_chunk),
        ("warning chunk", inactivity_candidates(now=NOW), sweep._warn_chunk),
    ]:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:500])
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                action(ids, now=NOW)
            transaction.set_rollback(True)
        seen = set()
        for query in queries.captured_queries:
            sql = query["sql"]
            shape = sql.split(" WHERE ")[0][:120]
            if shape in seen or sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                continue
            seen.add(shape)
            with transaction.atomic():
                text = plan(sql)
                transaction.set_rollback(True)
            show(f"sweep {title}: {shape[:70]}", sql, text)


def admin_plans() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from bench.bench_admin import admin_ready
    from bench.seed import BENCH_ADMIN_EMAIL

    admin = User.objects.get(email=BENCH_ADMIN_EMAIL)
    admin_ready(admin)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:accounts_user_changelist")
    for params in [
        {},
        {"role": "consultant"},
        {"role": "administrateur"},
        {"platform": "mgepp", "role": "consultant"},
        {"deactivation_reason__exact": "opco"},
        {"organisation_kind": "cabinet_rh"},
        {"q": "@transports-demo.fr"},
        {"q": "upon"},
    ]:
        with CaptureQueriesContext(connection) as queries:
            client.get(url, params)
        for query in queries.captured_queries:
            sql = query["sql"]
            if "accounts_user" not in sql or not sql.startswith("SELECT"):
                continue
            if "django_session" in sql or '"accounts_user"."id" = ' in sql:
                continue
            show(f"admin {params or 'first page'}", sql, plan(sql))


def main() -> None:
    users = int(os.environ.get("BENCH_USERS", "1000000"))
    with bench_database("explain", users=users):
        only = os.environ.get("BENCH_EXPLAIN_ONLY", "")
        if only in ("", "sweep"):
            sweep_plans()
        if only in ("", "admin"):
            admin_plans()


if __name__ == "__main__":
    main()
