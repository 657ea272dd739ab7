"""What every benchmark shares: its own copy of the seeded database, counters, the report.

A benchmark runs in its own process (``bench/run.py`` starts one per module)
so that its peak RSS is its own. It clones the seeded template
(``CREATE DATABASE … TEMPLATE``, a file copy), migrates the clone to the
code under test, works on it and drops it. Times are wall-clock seconds of
the same work measured side by side in one run: ours, and its floor.
"""

import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def require_postgresql() -> str:
    """DATABASE_URL, or exit with a clear message when it is not PostgreSQL."""
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in POSTGRES_SCHEMES:
        sys.exit(
            "make bench mesure le centre de comptes sur PostgreSQL : définissez "
            "DATABASE_URL=postgres://utilisateur@hôte:5432/base (SQLite n'est pas mesuré)."
        )
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def template_name(users: int) -> str:
    """``mhab_bench_1m`` for a million accounts, ``mhab_bench_100k`` for 100,000."""
    if users % 1_000_000 == 0:
        return f"mhab_bench_{users // 1_000_000}m"
    return f"mhab_bench_{users // 1000}k"


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(with_database(url, "postgres"))
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def database_exists(url: str, name: str) -> bool:
    with admin_connection(url) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def clone(url: str, template: str, name: str) -> None:
    with admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def drop(url: str, name: str) -> None:
    with admin_connection(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def bench_database(label: str, *, users: int):
    """Clone the seeded template for ``label``, point Django at it, migrate; drop it after."""
    url = require_postgresql()
    template = os.environ.get("BENCH_TEMPLATE") or template_name(users)
    if not database_exists(url, template):
        sys.exit(f"Modèle {template} absent : lancez d'abord bench/run.py (il le crée).")
    name = f"{database_name(url)}_{label}"
    start = time.perf_counter()
    clone(url, template, name)
    os.environ["DATABASE_URL"] = with_database(url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    note(f"{label}: clone of {template} migrated in {time.perf_counter() - start:.0f} s")
    try:
        yield
    finally:
        connection.close()
        if not os.environ.get("BENCH_KEEP"):
            drop(url, name)


@contextmanager
def endpoint_database(label: str):
    """Where the endpoint benchmarks run: the 1M clone under ``bench/run.py``, else a test database.

    ``bench/run.py`` sets ``BENCH_TEMPLATE``: the benchmark then works on its own clone
    of the seeded template (a million accounts, their tokens and sessions), like the
    others. Run alone (``python bench/bench_signin.py``), it creates a throw-away test
    database (SQLite by default, ``DATABASE_URL`` for PostgreSQL).
    """
    if os.environ.get("BENCH_TEMPLATE"):
        with bench_database(label, users=int(os.environ.get("BENCH_USERS", "1000000"))):
            yield "clone of " + os.environ["BENCH_TEMPLATE"]
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        yield "throw-away test database"
    finally:
        runner.teardown_databases(old)


@contextmanager
def bench_cache():
    """The cache the benchmark uses: Redis when ``BENCH_REDIS_URL`` is set, configured
    as in production (rate limits, throttle and locks cost a round trip each), else
    the test settings' in-process memory."""
    url = os.environ.get("BENCH_REDIS_URL")
    if not url:
        yield "in-process memory cache"
        return
    from django.core.cache import cache
    from django.test import override_settings

    from config.settings.base import reliable_cache

    # The production cache: Redis through config.cache.DegradingRedisCache.
    backend = reliable_cache(
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    )
    with override_settings(CACHES={"default": backend}):
        cache.clear()
        yield f"Redis {url}"


def cpu_and_wall():
    """``(process CPU seconds, wall seconds)`` now: subtract two to time a request both ways."""
    return time.process_time(), time.perf_counter()


class Queries:
    """Counts the SQL statements Django runs inside ``with counting(): …``."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting():
    from django.db import connection

    queries = Queries()
    with connection.execute_wrapper(queries):
        yield queries


@contextmanager
def timed():
    """``with timed() as t: …`` then ``t.seconds``."""

    class Timer:
        seconds = 0.0

    timer = Timer()
    start = time.perf_counter()
    try:
        yield timer
    finally:
        timer.seconds = time.perf_counter() - start


def backend_cpu_seconds() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (None if not local).

    Read from ``/proc/<pg_backend_pid()>/stat`` (user + system time), so it only
    works when PostgreSQL runs on this machine. With the process's own CPU time it
    gives what a piece of work costs whatever the load of a shared machine (the
    wall clock also counts waiting for a core).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def cpu_timed():
    """``with cpu_timed() as c: …`` then ``c.app`` and ``c.backend`` (CPU seconds, or None)."""

    class Cpu:
        app = 0.0
        backend: float | None = None

    cpu = Cpu()
    backend = backend_cpu_seconds()
    start = time.process_time()
    try:
        yield cpu
    finally:
        cpu.app = time.process_time() - start
        after = backend_cpu_seconds()
        if backend is not None and after is not None:
            cpu.backend = after - backend


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count()} cores"


def note(text: str) -> None:
    print(f"  · {text}", flush=True)


def report(
    name: str,
    *,
    ours: float,
    floor: float | None = None,
    target: str = "",
    queries: int | None = None,
    p50: float | None = None,
    p95: float | None = None,
    extra: str = "",
) -> None:
    """One line per benchmark: ours, floor, ratio, p50/p95, queries, peak RSS so far."""
    parts = [f"{name}", f"ours {ours:.3f} s"]
    if floor is not None:
        parts += [f"floor {floor:.3f} s", f"ratio {ours / floor:.2f}x" if floor else "ratio -"]
    if p50 is not None:
        parts.append(f"p50 {p50 * 1000:.0f} ms p95 {p95 * 1000:.0f} ms")
    if queries is not None:
        parts.append(f"{queries} queries")
    parts.append(f"peak RSS {peak_rss_mb():.0f} MB")
    if target:
        parts.append(f"target {target}")
    if extra:
        parts.append(extra)
    print("RESULT " + " | ".join(parts), flush=True)
