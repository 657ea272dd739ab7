"""Run the whole product in one terminal: web server, Celery worker with beat.

Each child's output is prefixed with its name; Ctrl-C stops them all cleanly.
Used by ``make run``; configuration comes from the environment as usual.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROCESSES = {
    "web": [sys.executable, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"],
    "worker": [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--beat",
        "--loglevel", "INFO", "--concurrency", "1",
        "--schedule", str(ROOT / "var" / "celerybeat-schedule"),
    ],
    # A separate relying-party site signing in through the account centre (SSO demo).
    "demo": [sys.executable, str(ROOT / "examples" / "demo_platform" / "serve.py")],
}  # fmt: skip
# Per-process environment overrides.
ENVIRONMENTS = {"demo": {"DJANGO_SETTINGS_MODULE": "demo_platform.settings"}}


def _pump(name: str, stream) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>7} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    children = {}
    for name, command in PROCESSES.items():
        child = subprocess.Popen(  # noqa: S603 — fixed argument lists
            command,
            cwd=ROOT,
            env={**env, **ENVIRONMENTS.get(name, {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        children[name] = child
        threading.Thread(target=_pump, args=(name, child.stdout), daemon=True).start()
    print("    run | Centre de comptes : http://127.0.0.1:8000/  (Ctrl-C pour arrêter)")
    print("    run | Plateforme de démonstration (SSO) : http://127.0.0.1:8001/")

    def stop(*_args) -> None:
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children.values()):
            with contextlib.suppress(subprocess.TimeoutExpired):
                next(iter(children.values())).wait(timeout=0.5)
    finally:
        stop()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    print("    run | arrêté.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
