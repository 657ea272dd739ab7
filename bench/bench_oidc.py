"""Rate of refresh grants and userinfo calls on one core (issue 10, item 5).

Runs in-process through Django's full middleware stack (the test client, no
browser session: a platform's back end); under ``bench/run.py`` on a clone of
the seeded 1M database (98,000 tokens), run alone on a throw-away test database
(SQLite by default; DATABASE_URL for PostgreSQL): ``python bench/bench_oidc.py [N]``.
Prints, for each endpoint: our rate, the target, their ratio, p50/p95 latency,
queries per call; then peak RSS.
Targets: >= 50 refresh grants/s and >= 100 userinfo/s per core. "wall" is
calls per elapsed second (includes waiting for the database, its commits and
a shared machine); "cpu" is calls per CPU second of this process (the share
of one core a call costs the application server).
"""

import os
import pathlib
import resource
import statistics
import sys
import time
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import endpoint_database

TARGETS = {"refresh grant": 50.0, "userinfo": 100.0}


def _report(name: str, durations: list[float], cpu: float, queries: int) -> None:
    total = sum(durations)
    rate = len(durations) / total
    cpu_rate = len(durations) / cpu
    ordered = sorted(durations)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    target = TARGETS[name]
    verdict = "met" if cpu_rate >= target else "MISSED"
    print(
        f"RESULT oidc {name}: cpu {cpu_rate:.1f}/s ({cpu / len(durations) * 1000:.1f} ms of CPU "
        f"per call) | wall {rate:.1f}/s | p50 {statistics.median(durations) * 1000:.1f} ms "
        f"p95 {p95 * 1000:.1f} ms | {queries} queries | target >= {target:.0f}/s per core: "
        f"{verdict} (x{cpu_rate / target:.2f})",
        flush=True,
    )


def _calibrate(connection) -> str:
    """The database's round trip and commit latency now (the machine is shared)."""
    from django.db import transaction

    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(200):
            cursor.execute("SELECT 1")
        round_trip = (time.perf_counter() - started) / 200
    from django.contrib.sessions.models import Session

    started = time.perf_counter()
    for n in range(20):
        with transaction.atomic():
            Session.objects.update_or_create(
                session_key=f"bench-calibration-{n}",
                defaults={"session_data": "", "expire_date": "2099-01-01T00:00:00Z"},
            )
    commit = (time.perf_counter() - started) / 20
    load = os.getloadavg()[0]
    return (
        f"round trip {round_trip * 1000:.2f} ms, write+commit {commit * 1000:.1f} ms, "
        f"load average {load:.1f} on {os.cpu_count()} cores"
    )


def accept_cgu(user) -> None:
    """``user`` accepted the CGU in force, if any (the 1M clone has one: no gate at authorize)."""
    from legal.models import CGUAcceptance, CGUVersion

    version = CGUVersion.objects.filter(status="published").order_by("-effective_at").first()
    if version is not None:
        CGUAcceptance.objects.get_or_create(
            user=user,
            version=version,
            defaults={
                "version_hash": version.text_hash,
                "accepted_at": version.effective_at,
                "context": "signup",
            },
        )


def main(count: int | None = None) -> None:
    if count is None:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with endpoint_database("oidc") as where:
        run(count, where=where)


def run(count: int, *, where: str) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from platforms.models import Platform
    from platforms.sso_services import platform_client_register
    from tests.platforms.factories import REDIRECT_URI, grant, verified_user
    from tests.platforms.oidc_helpers import code_for, exchange, refresh

    settings.PLATFORMS_OIDC_REFRESH_GRACE_SECONDS = 0
    platform = Platform.objects.get(code="mgestion-entreprise")
    registration = platform_client_register(
        platform=platform, redirect_uris=[REDIRECT_URI], rotate_secret=True, now=timezone.now()
    )
    oidc_client, secret = registration.client, registration.secret
    user = verified_user(email=f"bench-oidc-{uuid.uuid4().hex[:8]}@exemple.fr")
    accept_cgu(user)
    grant(user=user, platform=platform, role_code="gestionnaire")
    browser = HttpClient()
    browser.force_login(user)
    tokens = exchange(browser, oidc_client, secret, code_for(browser, oidc_client)).json()
    backend = HttpClient()
    print(f"  · database: {connection.vendor} ({where}), {count} calls each, one process")

    current = tokens["refresh_token"]
    with CaptureQueriesContext(connection) as captured:
        current = refresh(backend, oidc_client, secret, current).json()["refresh_token"]
    refresh_queries = len(captured)
    print(f"  · {_calibrate(connection)}")
    durations = []
    cpu_started = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        response = refresh(backend, oidc_client, secret, current)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
        body = response.json()
        current = body["refresh_token"]
    _report("refresh grant", durations, time.process_time() - cpu_started, refresh_queries)

    header = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    with CaptureQueriesContext(connection) as captured:
        backend.get("/identity/o/api/userinfo", **header)
    userinfo_queries = len(captured)
    durations = []
    cpu_started = time.process_time()
    for _ in range(count):
        started = time.perf_counter()
        response = backend.get("/identity/o/api/userinfo", **header)
        durations.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content
    _report("userinfo", durations, time.process_time() - cpu_started, userinfo_queries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  · peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
