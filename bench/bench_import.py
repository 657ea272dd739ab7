"""Import N users with their organisations, memberships and accesses (default 1,000,000).

Generates the CSV files (streamed to disk: one organisation per 5 users, one
membership and one access per user), then runs ``imports.services.accounts_import``
against a throw-away test database (``DATABASE_URL`` for PostgreSQL), and prints
rows per second (all files' rows together), the importing process's CPU time
and its PostgreSQL backend's when the server is local (the rest of the wall-clock
time is waiting for a core, or for the disk) and peak memory (``ru_maxrss``) before
and after the import, so that "memory flat" can be read off: the peak must not
grow with N. ``python bench/bench_import.py [N]``.
"""

import csv
import os
import pathlib
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))


def _luhn_complete(prefix: str) -> str:
    for digit in "0123456789":
        candidate = prefix + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError


def siret(n: int) -> str:
    siren = _luhn_complete(f"{100000000 + n * 7 % 800000000:09d}"[:8])
    return _luhn_complete(f"{siren}0001")


def generate(folder: pathlib.Path, users: int) -> list[pathlib.Path]:
    orgs = max(1, users // 5)
    sirets = []
    paths = [
        folder / n
        for n in (
            "organisations.csv",
            "utilisateurs.csv",
            "rattachements.csv",
            "habilitations.csv",
        )
    ]
    with open(paths[0], "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["siret", "type", "raison_sociale", "adresse"])
        seen = set()
        n = 0
        while len(sirets) < orgs:
            value = siret(n)
            n += 1
            if value in seen:
                continue
            seen.add(value)
            sirets.append(value)
            out.writerow([value, "Entreprise", f"Entreprise {n}", f"{n} rue de la Paix, Paris"])
    with (
        open(paths[1], "w", newline="", encoding="utf-8") as u,
        open(paths[2], "w", newline="", encoding="utf-8") as m,
        open(paths[3], "w", newline="", encoding="utf-8") as a,
    ):
        uw, mw, aw = (csv.writer(h, delimiter=";") for h in (u, m, a))
        uw.writerow(["email", "prenom", "nom", "telephone", "cree_le", "derniere_activite_le"])
        mw.writerow(["email", "siret", "administrateur", "representant_legal"])
        aw.writerow(["email", "siret", "plateforme", "role"])
        for i in range(users):
            email = f"personne{i}@entreprise{i % orgs}.fr"
            org = sirets[i % orgs]
            uw.writerow(
                [
                    email,
                    "Camille",
                    f"Martin{i}",
                    "",
                    "15/03/2019 10:00",
                    f"{1 + i % 28:02d}/06/2024 08:30",
                ]
            )
            mw.writerow([email, org, "oui" if i < orgs else "non", "non"])
            aw.writerow([email, org, "mgestion-entreprise", "gestionnaire"])
    return paths


def backend_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same host only)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(total: int | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    if total is None:
        total = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = pathlib.Path(tempfile.mkdtemp(prefix="mhab-bench-import-"))
    start = time.perf_counter()
    paths = generate(folder, total)
    generated = time.perf_counter() - start
    setup_test_environment()
    runner = get_runner(settings)(verbosity=0)
    old = runner.setup_databases()
    try:
        from imports.services import accounts_import

        now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        db_cpu = backend_cpu(connection)
        start = time.perf_counter()
        cpu = time.process_time()
        report = accounts_import(paths=paths, now=now)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        db_cpu = backend_cpu(connection) - db_cpu if db_cpu is not None else None
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert report.committed and not report.error_count, report.errors[:5]
        rows = report.rows
        second_start = time.perf_counter()
        again = accounts_import(paths=paths, now=now, dry_run=True)
        reimport = time.perf_counter() - second_start
        assert sum(c["unchanged"] for c in again.counts.values()) == rows
        print(
            f"import ({connection.vendor}): {total:,} users, {rows:,} rows in {seconds:.1f} s "
            f"= {rows / seconds:,.0f} rows/s (Python CPU {cpu:.1f} s); "
            f"files generated in {generated:.1f} s; "
            f"peak RSS {rss_before / 1024:.0f} MiB before, {rss_after / 1024:.0f} MiB after; "
            f"re-import (dry run, all unchanged) {rows / reimport:,.0f} rows/s"
        )
        if db_cpu is not None:
            # On a loaded machine the wall clock mostly measures waiting for a core:
            # the CPU both processes used is what an idle machine would spend.
            print(
                f"  CPU: import {cpu:.1f} s + PostgreSQL backend {db_cpu:.1f} s = "
                f"{rows / (cpu + db_cpu):,.0f} rows per CPU-second"
            )
        for kind, counts in report.counts.items():
            print(f"  {kind}: {counts}")
    finally:
        runner.teardown_databases(old)
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
