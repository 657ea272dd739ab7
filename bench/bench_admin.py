"""Back-office user list at scale: first page, every filter value, searches (p50/p95).

Requests go through Django's test client as the seeded superuser (full
middleware, template rendering), ``BENCH_ADMIN_REPEAT`` times each after one
warm-up. Target: p95 < 200 ms for each (issue 10, item 4).
``EXPLAIN (ANALYZE, BUFFERS)`` of the list's queries is printed with
``BENCH_EXPLAIN=1``.
"""

import os
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_database, counting, note, percentile, report

TARGET = 0.200
SEARCHES = ["@transports-demo.fr", "upon", "martin", "laire", "chloe.faure"]


def cases():
    from accounts.models import AccountState, DeactivationReason, Organisation, SuspensionReason
    from platforms.models import Platform, Role

    yield "first page", {}
    yield "page 5", {"p": 5}
    for code in Platform.objects.values_list("code", flat=True):
        yield f"platform={code}", {"platform": code}
    for code in Role.objects.values_list("code", flat=True):
        yield f"role={code}", {"role": code}
    yield "platform=mgepp&role=consultant", {"platform": "mgepp", "role": "consultant"}
    for value in AccountState.values:
        yield f"state={value}", {"state__exact": value}
    for value in DeactivationReason.values:
        yield f"deactivation_reason={value}", {"deactivation_reason__exact": value}
    for value in SuspensionReason.values:
        yield f"suspension_reason={value}", {"suspension_reason__exact": value}
    for value in Organisation.Kind.values:
        yield f"kind={value}", {"organisation_kind": value}
    yield (
        "platform=mgestion-of&state=warned",
        {"platform": "mgestion-of", "state__exact": "warned"},
    )
    for term in SEARCHES:
        yield f"search {term}", {"q": term}


def explain(client, url, params) -> None:
    """Print EXPLAIN (ANALYZE, BUFFERS) of each SELECT the list page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url, params)
    for query in queries.captured_queries:
        sql = query["sql"]
        if "accounts_user" not in sql or not sql.startswith("SELECT"):
            continue
        if "django_session" in sql or '"accounts_user"."id" = ' in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plan = "\n".join(f"      {row[0]}" for row in cursor.fetchall())
        print(f"    EXPLAIN {params}:\n      {sql[:400]}\n{plan}", flush=True)


def admin_ready(admin) -> None:
    """The seeded superuser can open the back-office: a second factor, the CGU in force."""
    from allauth.mfa.models import Authenticator

    from legal.models import CGUAcceptance, CGUVersion

    Authenticator.objects.get_or_create(
        user=admin,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}},
    )
    version = CGUVersion.objects.filter(status="published").order_by("-effective_at").first()
    CGUAcceptance.objects.get_or_create(
        user=admin,
        version=version,
        defaults={
            "version_hash": version.text_hash,
            "accepted_at": version.effective_at,
            "context": "signup",
        },
    )


def main() -> None:
    users = int(os.environ.get("BENCH_USERS", "1000000"))
    repeat = int(os.environ.get("BENCH_ADMIN_REPEAT", "15"))
    with bench_database("admin", users=users):
        from django.test import Client
        from django.urls import reverse

        from accounts.models import User
        from bench.seed import BENCH_ADMIN_EMAIL

        admin = User.objects.get(email=BENCH_ADMIN_EMAIL)
        admin_ready(admin)
        client = Client()
        client.force_login(admin)
        url = reverse("admin:accounts_user_changelist")
        client.get(reverse("admin:index"))
        worst = []
        for label, params in cases():
            response = client.get(url, params)  # warm-up
            assert response.status_code == 200, (
                label,
                response.status_code,
                response.get("Location"),
            )
            rows = response.content.count(b'class="action-select"')
            times = []
            cpu = time.process_time()
            with counting() as queries:
                for _ in range(repeat):
                    start = time.perf_counter()
                    client.get(url, params)
                    times.append(time.perf_counter() - start)
            cpu = (time.process_time() - cpu) / repeat
            p95 = percentile(times, 0.95)
            worst.append((p95, label))
            report(
                f"admin {label}",
                ours=sum(times) / len(times),
                p50=percentile(times, 0.50),
                p95=p95,
                queries=queries.count // repeat,
                target=f"p95 < {TARGET * 1000:.0f} ms: {'met' if p95 < TARGET else 'MISSED'}",
                extra=f"{rows} rows shown, app CPU {cpu * 1000:.0f} ms/request",
            )
            if os.environ.get("BENCH_EXPLAIN"):
                explain(client, url, params)
        worst.sort(reverse=True)
        note(f"admin: worst p95 {worst[0][0] * 1000:.0f} ms ({worst[0][1]})")


if __name__ == "__main__":
    main()
