"""Cost of a password sign-in against the cost of its password hash (issue 10, item 6).

Target: a sign-in POST costs at most 1.3x the bare Argon2id verification with the
production hasher parameters (``accounts.hashers.Argon2idHasher``): everything
around the hash (queries, session, MFA check, throttle, journal) must stay cheap.
In-process through Django's full middleware stack, against a throw-away test
database (SQLite by default; DATABASE_URL for PostgreSQL):
``python bench/bench_signin.py [N]``. Prints hash time, sign-in time (median),
their ratio, and the queries of one sign-in POST.
"""

import os
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

PASSWORD = "correct horse battery staple 42"  # noqa: S105 — bench data
TARGET_RATIO = 1.3


def main(count: int | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, get_runner, setup_test_environment

    if count is None:
        count = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    setup_test_environment()
    settings.PASSWORD_HASHERS = ["accounts.hashers.Argon2idHasher"]
    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        from django.contrib.auth.hashers import get_hasher
        from django.test import Client as HttpClient

        from accounts.models import User
        from tests.platforms.factories import verified_user

        # One account per sign-in: allauth's user sessions purge walks the
        # account's earlier sessions, which one account signing in N times
        # would accumulate (a person has a handful).
        users = [verified_user() for _ in range(count + 2)]
        hasher = get_hasher()
        encoded = hasher.encode(PASSWORD, hasher.salt())
        User.objects.filter(pk__in=[u.pk for u in users]).update(password=encoded)
        hashes = []
        for _ in range(count):
            started = time.perf_counter()
            assert hasher.verify(PASSWORD, encoded)
            hashes.append(time.perf_counter() - started)

        def sign_in(n: int):
            # A fresh browser per sign-in, each from its own loopback address
            # (the per-IP rate limit is not what is measured here).
            browser = HttpClient(REMOTE_ADDR=f"127.0.{n // 250}.{n % 250 + 1}")
            browser.get("/accounts/login/")
            started = time.perf_counter()
            response = browser.post(
                "/accounts/login/", {"login": users[n].email, "password": PASSWORD}
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, response.status_code
            return elapsed

        sign_in(0)  # warm caches and imports
        with CaptureQueriesContext(connection) as captured:
            sign_in(1)
        queries = len(captured)
        sign_ins = [sign_in(n + 2) for n in range(count)]
        hash_ms = statistics.median(hashes) * 1000
        sign_in_ms = statistics.median(sign_ins) * 1000
        ratio = sign_in_ms / hash_ms
        print(f"database: {connection.vendor}, {count} sign-ins, load {os.getloadavg()[0]:.1f}")
        print(
            f"argon2id verify {hash_ms:6.1f} ms  sign-in POST {sign_in_ms:6.1f} ms  "
            f"ratio {ratio:4.2f} (target <= {TARGET_RATIO})  overhead {sign_in_ms - hash_ms:5.1f} ms  "
            f"queries {queries}"
        )
    finally:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
