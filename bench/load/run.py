"""Load test: the steady mix at 20 users, then the same with slow clients, through nginx.

    python bench/load/run.py [--users 20] [--seconds 60] [--slow 100]

Starts its own stack (bench/load/stack.py: PostgreSQL, Redis, gunicorn 3 x 2 with
production settings, nginx with deploy/nginx.conf) on loopback ports of its own,
runs locust headless (bench/load/locustfile.py) twice, and prints for each
scenario: requests per second, p50/p95/p99 (ms) and failures, per request name
and in total. Scenario 2 adds ``--slow`` clients sending one header line every
2 seconds and a few clients posting 20 MB bodies, for the whole run.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.stack import PYTHON, ROOT, Stack


def slow_client(port: int, stop: threading.Event, counts: dict) -> None:
    """A client that sends its request headers one line every 2 s (slowloris)."""
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            counts["opened"] += 1
            while not stop.wait(2):
                sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            counts["cut"] += 1  # nginx's client_header_timeout closed it: start again
        finally:
            with contextlib.suppress(Exception):
                sock.close()


def big_body(port: int, stop: threading.Event, counts: dict) -> None:
    """A client posting a 20 MB body to the sign-in page, again and again."""
    chunk = b"x" * 65536
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(
                b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=x\r\n"
                b"Content-Length: 20971520\r\n\r\n"
            )
            for _ in range(320):
                sock.sendall(chunk)
            counts["sent"] += 1
        except OSError:
            counts["refused"] += 1  # 413 and closed before 20 MB were read
        finally:
            try:
                answer = sock.recv(64)
                if b" 413 " in answer:
                    counts["413"] += 1
                sock.close()
            except Exception:  # noqa: S110
                pass


def run_locust(stack: Stack, seed_path: Path, *, users: int, seconds: int, tag: str) -> Path:
    prefix = stack.base / tag
    subprocess.run(
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
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_SEED": str(seed_path)},
        check=False,
    )
    return Path(f"{prefix}_stats.csv")


def report(title: str, stats: Path, seconds: int) -> None:
    print(f"\n## {title}")
    print(f"{'request':<28}{'count':>8}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}{'fail':>6}")
    with stats.open() as handle:
        for row in csv.DictReader(handle):
            print(
                f"{row['Name'][:27]:<28}{row['Request Count']:>8}"
                f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}"
                f"{row['99%']:>7}{row['Failure Count']:>6}"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--slow", type=int, default=100)
    parser.add_argument("--big", type=int, default=5)
    args = parser.parse_args()
    stack = Stack(
        pg_port=5451, redis_port=6401, web_port=8401, nginx_port=8501, workers=3, threads=2
    )
    try:
        stack.start_postgres()
        stack.start_redis()
        seed = stack.prepare(users=max(40, args.users * 2))
        seed_path = stack.base / "seed.json"
        stack.start_web()
        print(f"stack up at {stack.url} (gunicorn 3 x 2, production settings, nginx)")
        steady = run_locust(stack, seed_path, users=args.users, seconds=args.seconds, tag="steady")
        report(f"Steady mix, {args.users} users, {args.seconds} s", steady, args.seconds)

        stop = threading.Event()
        slow_counts = {"opened": 0, "cut": 0}
        big_counts = {"sent": 0, "refused": 0, "413": 0}
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
        time.sleep(3)  # wall clock: let the slow clients settle in
        slow = run_locust(stack, seed_path, users=args.users, seconds=args.seconds, tag="slow")
        stop.set()
        report(
            f"Same mix with {args.slow} slow clients and {args.big} 20 MB uploaders",
            slow,
            args.seconds,
        )
        print(f"slow clients: {slow_counts}; 20 MB bodies: {big_counts}")
        _ = seed
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
