"""Load test of issue 12: the steady mix at 20 users, then the slow clients, through nginx.

    python bench/load/run.py [--duration 120] [--slow-seconds 45] [--users 20] [--accounts 3000]
    (or: make load)

One command, from a fresh clone, in about 5 minutes. It starts the whole production
layout on loopback ports of its own (bench/load/stack.py): a throwaway PostgreSQL
cluster, Redis, gunicorn 3 x 2 with deploy/gunicorn.conf.py and production
settings, nginx with deploy/nginx.conf (Debian's, installed if missing), one
Celery worker and beat, an SMTP sink, its own database seeded with ``--accounts``
accounts and one OIDC client per platform. Then it runs locust headless
(bench/load/locustfile.py, FastHttpUser) twice:

1. the steady mix (``--duration`` seconds): sign-ins, signed-in pages, refresh
   grants, userinfo, activity reports, health checks;
2. the same mix for ``--slow-seconds`` while ``--slow`` clients send one header
   line every 2 s (slowloris) and ``--big`` clients post 20 MB bodies.

For each: req/s, p50/p95/p99 (ms) and errors per request type; the server's CPU
per request type (the gunicorn thread's CPU around each request,
bench/load/gunicorn_cpu.conf.py); the CPU seconds of every component over the
phase (gunicorn, PostgreSQL, nginx, Redis, Celery, the SMTP sink, locust itself,
the slow clients) and the load average. Everything is torn down at the end.
``--json PATH`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.stack import PYTHON, ROOT, Stack

# --- the slow-client scenario ------------------------------------------------------


def slow_client(port: int, stop: threading.Event, counts: dict) -> None:
    """A client that sends its request headers one line every 2 s (slowloris)."""
    while not stop.is_set():
        sock = None
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            counts["opened"] += 1
            while not stop.wait(2):
                sock.sendall(b"X-Slow: 1\r\n")
                # nginx's client_header_timeout answers 408 and closes: start again.
                sock.setblocking(False)
                try:
                    data = sock.recv(64)
                except BlockingIOError:
                    data = None
                finally:
                    sock.setblocking(True)
                if data is not None:
                    counts["cut"] += 1
                    break
        except OSError:
            counts["cut"] += 1
        finally:
            if sock is not None:
                with contextlib.suppress(Exception):
                    sock.close()


def big_body(port: int, stop: threading.Event, counts: dict) -> None:
    """A client posting a 20 MB body to the sign-in page, one every 2 s."""
    chunk = b"x" * 65536
    while not stop.is_set():
        sock = None
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                b"Content-Length: 20971520\r\n\r\n"
            )
            counts["posted"] += 1
            for _ in range(320):
                sock.sendall(chunk)
        except OSError:
            pass  # closed by nginx after its 413
        finally:
            if sock is not None:
                try:
                    answer = sock.recv(64)
                    counts["413" if b" 413 " in answer else "other"] += 1
                except OSError:
                    counts["reset"] += 1
                with contextlib.suppress(Exception):
                    sock.close()
        stop.wait(2)


# --- CPU accounting ----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU of a process, its live descendants and the children it has reaped."""
    try:
        process = psutil.Process(pid)
        times = process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child_times = child.cpu_times()
                total += child_times.user + child_times.system
        return total
    except psutil.Error:
        return 0.0


def snapshot(stack: Stack) -> dict[str, float]:
    found = {name: cpu_seconds(pid) for name, pid in stack.pids().items()}
    usage = os.times()
    found["slow clients (this process)"] = usage.user + usage.system
    return found


def read_request_cpu(folder: Path) -> dict[str, list[float]]:
    """Per request name, the CPU ms of each request (and empty the files)."""
    spent: dict[str, list[float]] = defaultdict(list)
    for path in folder.glob("cpu-*.tsv"):
        for line in path.read_text().splitlines():
            name, _, ms = line.rpartition("\t")
            with contextlib.suppress(ValueError):
                spent[name].append(float(ms))
        os.truncate(path, 0)
    return spent


# --- locust ------------------------------------------------------------------------


def run_locust(stack: Stack, seed_path: Path, *, users: int, seconds: int, tag: str):
    """Run locust headless; return its stats CSV and its own CPU seconds."""
    prefix = stack.base / tag
    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "load" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 4)),
            "-t",
            f"{seconds}s",
            "--host",
            stack.url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "5",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_SEED": str(seed_path)},
        stdout=open(stack.base / f"{tag}-locust.out", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return (
        Path(f"{prefix}_stats.csv"),
        Path(f"{prefix}_failures.csv"),
        (usage.ru_utime + usage.ru_stime),
    )


def phase(stack, seed_path, *, users, seconds, tag, title):
    load_before = os.getloadavg()
    before = snapshot(stack)
    read_request_cpu(stack.base / "cpu")
    started = time.monotonic()
    stats, failures, locust_cpu = run_locust(
        stack, seed_path, users=users, seconds=seconds, tag=tag
    )
    wall = time.monotonic() - started
    after = snapshot(stack)
    load_after = os.getloadavg()
    request_cpu = read_request_cpu(stack.base / "cpu")
    components = {name: after[name] - before.get(name, 0.0) for name in after}
    components["locust"] = locust_cpu
    rows = list(csv.DictReader(stats.open()))
    errors: dict[str, dict[str, int]] = defaultdict(dict)
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            errors[row["Name"]][row["Error"][:80]] = int(row["Occurrences"])
    result = {
        "title": title,
        "seconds": seconds,
        "wall": wall,
        "load_average": [load_before[0], load_after[0], load_after[1]],
        "requests": {},
        "components": components,
        "errors": errors,
    }
    for row in rows:
        name = row["Name"]
        spent = request_cpu.get(name, [])
        result["requests"][name] = {
            "count": int(row["Request Count"]),
            "rps": float(row["Requests/s"]),
            "p50": row["50%"],
            "p95": row["95%"],
            "p99": row["99%"],
            "failures": int(row["Failure Count"]),
            "cpu_ms": sum(spent) / len(spent) if spent else None,
        }
    return result


def report(result: dict) -> None:
    print(f"\n## {result['title']}")
    load = result["load_average"]
    print(f"load average: {load[0]:.2f} before, {load[1]:.2f} after (5 min: {load[2]:.2f})")
    print(
        f"{'request':<28}{'count':>7}{'req/s':>7}{'p50':>6}{'p95':>6}{'p99':>6}"
        f"{'errors':>7}{'app CPU ms':>11}"
    )
    total = result["requests"].get("Aggregated", {}).get("count", 0)
    for name, row in result["requests"].items():
        cpu = f"{row['cpu_ms']:.1f}" if row["cpu_ms"] is not None else "-"
        print(
            f"{name[:27]:<28}{row['count']:>7}{row['rps']:>7.1f}{row['p50']:>6}{row['p95']:>6}"
            f"{row['p99']:>6}{row['failures']:>7}{cpu:>11}"
        )
    for name, messages in result["errors"].items():
        for message, count in messages.items():
            print(f"  error {name}: {count} x {message}")
    print("CPU seconds over the phase (2 cores = 2 s of CPU per second):")
    components = result["components"]
    for name, seconds in sorted(components.items(), key=lambda item: -item[1]):
        per = f"{seconds / total * 1000:6.2f} ms/request" if total else ""
        print(f"  {name:<28}{seconds:8.1f} s  {per}")
    server = sum(
        seconds
        for name, seconds in components.items()
        if name not in ("locust", "slow clients (this process)")
    )
    if total:
        print(
            f"  server total {server:.1f} s = {server / total * 1000:.2f} ms per request; "
            f"{sum(components.values()) / result['wall']:.2f} cores busy on average"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=120, help="steady mix, seconds")
    parser.add_argument("--slow-seconds", type=int, default=45)
    parser.add_argument("--slow", type=int, default=100, help="slowloris clients")
    parser.add_argument("--big", type=int, default=5, help="clients posting 20 MB bodies")
    parser.add_argument("--accounts", type=int, default=3000)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    begun = time.monotonic()
    # TRUSTED_PROXY_COUNT=2: a load balancer in front of nginx reports each simulated
    # client's address (locust sends it), as in a deployment behind one. With 1, every
    # locust user is 127.0.0.1 and allauth caps the sign-ins at 30 a minute.
    stack = Stack(
        pg_port=5451,
        redis_port=6401,
        web_port=8401,
        nginx_port=8501,
        smtp_port=2551,
        workers=3,
        threads=2,
        gunicorn_conf=ROOT / "bench" / "load" / "gunicorn_cpu.conf.py",
        extra_env={"TRUSTED_PROXY_COUNT": "2", "LOG_LEVEL": "INFO"},
    )
    (stack.base / "cpu").mkdir()
    stack.extra_env["LOAD_CPU_DIR"] = str(stack.base / "cpu")
    results = []

    def step(text):
        print(f"[{time.monotonic() - begun:5.0f} s] {text}", flush=True)

    try:
        step("PostgreSQL, Redis, SMTP sink")
        stack.start_postgres()
        stack.start_redis()
        stack.start_smtp()
        step(f"migrate and seed {args.accounts} accounts (collectstatic meanwhile)")
        stack.prepare(users=max(args.accounts, args.users * 2))
        seed_path = stack.base / "seed.json"
        step("Celery worker and beat, gunicorn, nginx")
        stack.start_celery(wait=False)
        stack.start_web()
        stack.wait_celery()
        time.sleep(3)  # wall clock: let the worker's and beat's first tasks pass
        print(
            f"stack up at {stack.url} in {time.monotonic() - begun:.0f} s: nginx, gunicorn "
            f"3 x 2 (production settings), Celery worker and beat, PostgreSQL, Redis, "
            f"SMTP sink; {args.accounts} accounts"
        )
        steady = phase(
            stack,
            seed_path,
            users=args.users,
            seconds=args.duration,
            tag="steady",
            title=f"Steady mix, {args.users} users, {args.duration} s",
        )
        report(steady)
        results.append(steady)

        stop = threading.Event()
        slow_counts = defaultdict(int)
        big_counts = defaultdict(int)
        threads = [
            threading.Thread(
                target=slow_client, args=(stack.nginx_port, stop, slow_counts), daemon=True
            )
            for _ in range(args.slow)
        ] + [
            threading.Thread(
                target=big_body, args=(stack.nginx_port, stop, big_counts), daemon=True
            )
            for _ in range(args.big)
        ]
        for thread in threads:
            thread.start()
        slow = phase(
            stack,
            seed_path,
            users=args.users,
            seconds=args.slow_seconds,
            tag="slow",
            title=(
                f"Same mix, {args.slow_seconds} s, with {args.slow} slow clients "
                f"(a header line every 2 s) and {args.big} clients posting 20 MB bodies"
            ),
        )
        stop.set()
        slow["slow_clients"] = dict(slow_counts)
        slow["big_bodies"] = dict(big_counts)
        report(slow)
        print(f"slow clients: {dict(slow_counts)}; 20 MB bodies: {dict(big_counts)}")
        results.append(slow)
        print(f"mails accepted by the SMTP sink: {stack.mails_accepted()}")
    finally:
        stack.stop()
    print(f"\ntotal {time.monotonic() - begun:.0f} s, stack torn down")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
