"""Cost of a password sign-in against the cost of its password hash (issue 10, item 6).

Target: a sign-in POST costs at most 1.3x the bare Argon2id verification with the
production hasher parameters (``accounts.hashers.Argon2idHasher``): everything
around the hash (queries, session, MFA check, throttle, journal) must stay cheap.
In-process through Django's full middleware stack; under ``bench/run.py`` on a clone
of the seeded 1M database, run alone on a throw-away test database
(``python bench/bench_signin.py [N]``; DATABASE_URL for PostgreSQL).

Each sign-in and each hash is timed twice: wall clock and CPU time of this process
(the share of a core the application server spends; a shared machine inflates the
wall clock, not the CPU time). The wall clock also holds the database's own work
and round trips. Prints both ratios, p50/p95, and the queries of one POST.
``BENCH_REDIS_URL=redis://…/n`` puts the cache (rate limits, throttle, locks) in
Redis as in production; by default it is in-process memory.

On PostgreSQL a third series, interleaved with the other two, signs in with the
sign-in's statements not prepared (``DATABASE_PREPARED_STATEMENTS`` off, as behind
a transaction pooler): what preparing them saves, measured in the same run.
"""

import os
import pathlib
import statistics
import sys
from urllib.parse import urlencode

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from bench.common import bench_cache, cpu_and_wall, endpoint_database, percentile

PASSWORD = "correct horse battery staple 42"  # noqa: S105 — bench data
TARGET_RATIO = 1.3


def main(count: int | None = None) -> None:
    if count is None:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    with endpoint_database("signin") as where, bench_cache() as cache_used:
        run(count, where=where, cache_used=cache_used)


def run(count: int, *, where: str, cache_used: str) -> None:
    import uuid

    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tests.platforms.factories import verified_user

    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2idHasher"]
    # One account per sign-in: allauth's user sessions purge walks the account's
    # earlier sessions, which one account signing in N times would accumulate.
    run_id = uuid.uuid4().hex[:8]
    compare = connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS
    users = [verified_user(email=f"bench-{run_id}-{n}@exemple.fr") for n in range(2 * count + 3)]
    hasher = get_hasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=encoded)

    def timed(work) -> tuple[float, float]:
        cpu, wall = cpu_and_wall()
        work()
        cpu_end, wall_end = cpu_and_wall()
        return wall_end - wall, cpu_end - cpu

    captured = None

    def sign_in(n: int, *, count_queries: bool = False) -> tuple[float, float]:
        # A fresh browser per sign-in, each from its own loopback address
        # (the per-IP rate limit is not what is measured here).
        browser = HttpClient(REMOTE_ADDR=f"127.0.{n // 250}.{n % 250 + 1}")
        browser.get("/accounts/login/")
        response = None

        def post():
            nonlocal response
            # As a browser sends a form without a file: URL-encoded, not multipart.
            response = browser.post(
                "/accounts/login/",
                urlencode({"login": users[n].email, "password": PASSWORD}),
                content_type="application/x-www-form-urlencoded",
            )

        if count_queries:
            nonlocal captured
            with CaptureQueriesContext(connection) as captured:
                result = timed(post)
        else:
            result = timed(post)
        assert response.status_code == 302, response.status_code
        return result

    sign_in(0)  # warm caches and imports
    sign_in(1, count_queries=True)  # the POST's queries (not the sign-in page's)
    queries = len(captured)
    # Interleaved, so that every series sees the same machine.
    hashes, sign_ins, unprepared = [], [], []
    for n in range(count):
        hashes.append(timed(lambda: hasher.verify(PASSWORD, encoded)))
        sign_ins.append(sign_in(n + 2))
        if compare:
            settings.DATABASE_PREPARED_STATEMENTS = False
            try:
                unprepared.append(sign_in(count + n + 3))
            finally:
                settings.DATABASE_PREPARED_STATEMENTS = True
    hash_wall = statistics.median(w for w, _ in hashes)
    hash_cpu = statistics.median(c for _, c in hashes)
    walls = [w for w, _ in sign_ins]
    cpus = [c for _, c in sign_ins]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"  · database: {connection.vendor} ({where}), {cache_used}, {count} sign-ins, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"RESULT signin: argon2id verify wall {hash_wall * 1000:.1f} ms cpu "
        f"{hash_cpu * 1000:.1f} ms | sign-in POST wall p50 {wall * 1000:.1f} ms p95 "
        f"{percentile(walls, 0.95) * 1000:.1f} ms, cpu p50 {cpu * 1000:.1f} ms | "
        f"ratio wall {wall / hash_wall:.2f} cpu {cpu / hash_cpu:.2f} "
        f"(target <= {TARGET_RATIO}) | overhead wall {(wall - hash_wall) * 1000:.1f} ms "
        f"cpu {(cpu - hash_cpu) * 1000:.1f} ms | {queries} queries",
        flush=True,
    )
    if unprepared:
        plain_wall = statistics.median(w for w, _ in unprepared)
        plain_cpu = statistics.median(c for _, c in unprepared)
        print(
            f"RESULT signin, statements not prepared (same run): wall p50 "
            f"{plain_wall * 1000:.1f} ms, cpu p50 {plain_cpu * 1000:.1f} ms | ratio wall "
            f"{plain_wall / hash_wall:.2f} cpu {plain_cpu / hash_cpu:.2f} | preparing saves "
            f"{(plain_wall - wall) * 1000:.1f} ms wall, {(plain_cpu - cpu) * 1000:.1f} ms cpu",
            flush=True,
        )


if __name__ == "__main__":
    main()
