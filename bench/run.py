"""Benchmarks: ``make bench`` (PostgreSQL only; ``DATABASE_URL`` names a database of yours).

``python bench/run.py [--users N] [--only sweep,admin,...]`` (default 100,000 accounts;
``--users 1000000`` for the figures of ``docs/benchmarks.md``).

1. The seeded template ``mhab_bench_<N>`` (``mhab_bench_1m``, ``mhab_bench_100k``)
   is created once if missing: a new database, migrated, loaded by
   ``bench/seed.py`` (COPY). Other runs reuse it.
2. Each ``bench/bench_*.py`` runs in its own process (its own peak RSS), on its
   own clone of the template (``CREATE DATABASE … TEMPLATE``) migrated to the
   code under test, and prints ``RESULT`` lines: ours, the floor, the ratio,
   p50/p95 for requests, queries, peak RSS.
3. A summary of every ``RESULT`` line ends the run, with the machine's load.
"""

import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench.common import (  # noqa: E402
    clone,
    database_exists,
    database_name,
    load_average,
    require_postgresql,
    template_name,
    with_database,
)


def ensure_template(url: str, users: int) -> str:
    """The seeded template, then this database's copy of it migrated to the code under test.

    The shared template (``mhab_bench_1m``…) is seeded once at the schema it was
    created with; ``<your database>_tpl`` is cloned from it once and migrated
    here (a no-op when up to date), so that each benchmark's clone starts from
    the code's schema without re-running long migrations (index builds).
    """
    shared = os.environ.get("BENCH_TEMPLATE") or template_name(users)
    if database_exists(url, shared):
        print(f"template {shared}: present", flush=True)
    else:
        print(f"template {shared}: seeding {users:,} accounts", flush=True)
        env = {**os.environ, "DATABASE_URL": with_database(url, shared)}
        subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, str(ROOT / "seed.py"), "--users", str(users), "--fresh"],
            env=env,
            check=True,
        )
    derived = f"{database_name(url)}_tpl_{shared.removeprefix('mhab_bench_')}"
    if not database_exists(url, derived):
        clone(url, shared, derived)
    start = time.perf_counter()
    env = {
        **os.environ,
        "DATABASE_URL": with_database(url, derived),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, str(ROOT.parent / "manage.py"), "migrate", "-v0"], env=env, check=True
    )
    print(f"template {derived}: migrated in {time.perf_counter() - start:.0f} s", flush=True)
    return derived


def main() -> None:
    parser = argparse.ArgumentParser(description="make bench")
    parser.add_argument("--users", type=int, default=int(os.environ.get("BENCH_USERS", 100_000)))
    parser.add_argument("--only", default="", help="noms séparés par des virgules (sweep,admin…)")
    args = parser.parse_args()
    url = require_postgresql()
    template = ensure_template(url, args.users)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    env = {
        **os.environ,
        "BENCH_USERS": str(args.users),
        "BENCH_TEMPLATE": template,
        "PYTHONPATH": str(ROOT.parent),
    }
    results = []
    started = time.perf_counter()
    print(f"machine: {load_average()}", flush=True)
    for path in sorted(ROOT.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"== {name} ({load_average()})", flush=True)
        process = subprocess.run(  # noqa: S603 - our own scripts
            [sys.executable, str(path)], env=env, capture_output=True, text=True, check=False
        )
        sys.stdout.write(process.stdout)
        if process.returncode:
            sys.stdout.write(process.stderr[-3000:])
            results.append(f"{name}: FAILED (exit {process.returncode})")
        lines = process.stdout.splitlines()
        tagged = [line for line in lines if line.startswith("RESULT ")]
        # Benchmarks of other modules print their own format: keep their last lines.
        results += tagged or [f"RESULT {name}: {line.strip()}" for line in lines[-6:]]
    print(f"\n== summary ({time.perf_counter() - started:.0f} s, {load_average()})")
    for line in results:
        print(line)


if __name__ == "__main__":
    main()
