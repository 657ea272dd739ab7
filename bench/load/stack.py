"""A production-like stack on loopback ports of its own, for tests/faults/ and bench/load/.

Starts a throwaway PostgreSQL cluster (initdb/pg_ctl under a temporary folder, run
as the ``postgres`` user when started by root), a Redis, gunicorn with
deploy/gunicorn.conf.py and production settings, and optionally nginx with
deploy/nginx.conf rewritten to the stack's ports and folders (Debian's nginx,
installed with apt-get when missing and run as root), a Celery worker and beat,
and an SMTP sink (bench/load/smtp_sink.py) the mails go to. Never touches the
machine's own PostgreSQL or Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise RuntimeError(f"{name} not found")


def wait_http(url: str, *, timeout: float = 60, proc: subprocess.Popen | None = None) -> None:
    """Until ``url`` answers below 500; fails at once if ``proc`` (the server) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status < 500:
                    return
        except Exception:  # noqa: S110
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


class Stack:
    def __init__(
        self,
        *,
        pg_port: int = 5441,
        redis_port: int = 6391,
        web_port: int = 8391,
        nginx_port: int | None = None,
        workers: int = 1,
        threads: int = 2,
        extra_env: dict | None = None,
        smtp_port: int | None = None,
        gunicorn_conf: Path | None = None,
    ):
        self.base = Path(tempfile.mkdtemp(prefix="mhab-stack-"))
        os.chmod(self.base, 0o777)  # noqa: S103 — the postgres user writes its cluster here
        self.pg_port, self.redis_port, self.web_port = pg_port, redis_port, web_port
        self.nginx_port = nginx_port
        self.workers, self.threads = workers, threads
        self.extra_env = extra_env or {}
        self.smtp_port = smtp_port
        self.gunicorn_conf = gunicorn_conf or ROOT / "deploy" / "gunicorn.conf.py"
        self.procs: dict[str, subprocess.Popen] = {}
        self.pgdata = self.base / "pg"
        self._key = None

    # --- environment -------------------------------------------------------------

    @property
    def url(self) -> str:
        port = self.nginx_port or self.web_port
        return f"http://127.0.0.1:{port}"

    def env(self) -> dict:
        if self._key is None:
            self._key = subprocess.check_output(
                [
                    PYTHON,
                    "-c",
                    "from config.keys import generate_private_key_pem as g; print(g())",
                ],
                cwd=ROOT,
                text=True,
            )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "stack-" + "k" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/stack",
            "CACHE_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/1",
            "ANYMAIL_WEBHOOK_SECRET": "stack:" + "w" * 24,
            "IDP_OIDC_PRIVATE_KEY": self._key,
            "SECURE_SSL_REDIRECT": "False",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"
            if self.smtp_port
            else "django.core.mail.backends.dummy.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port or 25),
            "TRUSTED_PROXY_COUNT": "1" if self.nginx_port else "0",
            # The 20 users all come from 127.0.0.1: the per-address sign-in limit
            # (30 a minute) would turn the mix into a throttle test. The per-account
            # throttle of failed sign-ins stays as in production.
            "SECURITY_THROTTLE_ADDRESS_MAX_ATTEMPTS": "100000",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_ACCESS_LOG": str(self.base / "gunicorn-access.log"),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        }
        return env

    def manage(self, *args: str, input: str | None = None) -> str:
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            check=True,
            capture_output=True,
            text=True,
            input=input,
        ).stdout

    # --- PostgreSQL --------------------------------------------------------------

    def start_postgres(self) -> None:
        if not self.pgdata.exists():
            subprocess.run(
                _as_postgres(
                    [_bin("initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "postgres"]
                ),
                check=True,
                capture_output=True,
            )
        subprocess.run(
            _as_postgres(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.base / "pg.log"),
                    "-w",
                    "-o",
                    f"-p {self.pg_port} -k {self.base} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_postgres(
                [
                    _bin("createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    "stack",
                ]
            ),
            capture_output=True,
        )

    def restart_postgres(self) -> None:
        # The server inherits pg_ctl's stdout: send it to the log file, not a pipe
        # (subprocess would wait for the pipe to close, i.e. forever).
        subprocess.run(
            _as_postgres(
                [
                    _bin("pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.base / "pg.log"),
                    "-m",
                    "fast",
                    "-w",
                    "restart",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop_postgres(self) -> None:
        subprocess.run(
            _as_postgres(
                [_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "-w", "stop"]
            ),
            capture_output=True,
        )

    # --- Redis -----------------------------------------------------------------------

    def start_redis(self) -> None:
        self.procs["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True
                ).returncode
                == 0
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop_redis(self) -> None:
        self._stop("redis")

    # --- web ---------------------------------------------------------------------------

    def prepare(self, *, users: int = 40) -> dict:
        """Migrate, collect static files, seed users and a platform client; return the seed.

        collectstatic (file work) runs while migrate (database work) does.
        """
        static = subprocess.Popen(
            [PYTHON, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.manage("migrate", "--noinput")
        out = self.base / "seed.json"
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "load" / "seed.py"), str(out), str(users)],
            cwd=ROOT,
            env=self.env(),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "seed.out", "w"),  # noqa: SIM115
        )
        _, errors = static.communicate()
        if static.returncode:
            raise RuntimeError(f"collectstatic failed: {errors[-2000:]}")
        return json.loads(out.read_text())

    def start_web(self) -> None:
        self.procs["gunicorn"] = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(self.gunicorn_conf)],
            cwd=ROOT,
            env=self.env(),
            stdout=open(self.base / "gunicorn.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        # Three Django processes boot at once (with Celery's two): give a busy machine time.
        wait_http(
            f"http://127.0.0.1:{self.web_port}/healthz",
            timeout=240,
            proc=self.procs["gunicorn"],
        )
        if self.nginx_port:
            conf = (ROOT / "deploy" / "nginx.conf").read_text()
            conf = (
                conf.replace("/run/nginx-comptes.pid", str(self.base / "nginx.pid"))
                .replace("/var/log/nginx/comptes-", str(self.base / "nginx-"))
                .replace("listen 80 default_server", f"listen 127.0.0.1:{self.nginx_port}")
                .replace("server 127.0.0.1:8000", f"server 127.0.0.1:{self.web_port}")
                .replace("worker_processes auto;", "worker_processes 1;")
            )
            temp = "\n".join(
                f"    {name}_temp_path {self.base / ('nginx-' + name)};"
                for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            conf = conf.replace("http {\n", "http {\n" + temp + "\n", 1)
            path = self.base / "nginx.conf"
            path.write_text(conf)
            ensure_nginx()
            self.procs["nginx"] = subprocess.Popen(
                [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(path), "-g", "daemon off;"],
                stdout=subprocess.DEVNULL,
                stderr=open(self.base / "nginx.out", "w"),  # noqa: SIM115
            )
            wait_http(f"{self.url}/healthz")

    # --- mail and Celery ---------------------------------------------------------------

    def start_smtp(self) -> None:
        """The SMTP sink every mail of the stack goes to (web and worker)."""
        self.procs["smtp"] = subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "bench" / "load" / "smtp_sink.py"),
                str(self.smtp_port),
                str(self.base / "smtp-count"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.base / "smtp.out", "w"),  # noqa: SIM115
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("smtp sink did not start")

    def mails_accepted(self) -> int:
        try:
            return int((self.base / "smtp-count").read_text() or 0)
        except (OSError, ValueError):
            return 0

    def start_celery(self, *, wait: bool = True) -> None:
        """One worker and one beat, as deploy/entrypoint.sh starts them (``wait_celery``)."""
        level = self.env().get("LOG_LEVEL", "INFO")
        self.procs["worker"] = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel",
                level,
                "--concurrency",
                os.environ.get("CELERY_CONCURRENCY", "2"),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=open(self.base / "worker.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        self.procs["beat"] = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                level,
                "--scheduler",
                "django_celery_beat.schedulers:DatabaseScheduler",
                "--pidfile",
                str(self.base / "beat.pid"),
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=open(self.base / "beat.out", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_celery()

    def wait_celery(self) -> None:
        """Until the worker says ``ready.`` and beat ``Starting``."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            worker = (self.base / "worker.out").read_text(errors="replace")
            beat = (self.base / "beat.out").read_text(errors="replace")
            if " ready." in worker and "beat: Starting" in beat:
                return
            for name in ("worker", "beat"):
                if self.procs[name].poll() is not None:
                    raise RuntimeError(f"celery {name} exited: see {self.base / name}.out")
            time.sleep(0.2)
        raise RuntimeError("celery worker or beat did not start")

    def pids(self) -> dict[str, int]:
        """The main process of each component (PostgreSQL's postmaster included)."""
        found = {name: proc.pid for name, proc in self.procs.items()}
        with contextlib.suppress(OSError, ValueError, IndexError):
            found["postgres"] = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        return found

    # --- teardown ---------------------------------------------------------------------

    def _stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop(self) -> None:
        for name in ("nginx", "gunicorn", "beat", "worker", "smtp", "redis"):
            self._stop(name)
        self.stop_postgres()
        shutil.rmtree(self.base, ignore_errors=True)


def ensure_nginx() -> None:
    """Debian's nginx, installed when missing (as root, apt-get; else a clear error)."""
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        return
    if os.geteuid() != 0:
        raise RuntimeError("nginx is missing: sudo apt-get install nginx")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"],
        check=True,
        env=env,
    )


def random_password() -> str:
    return secrets.token_urlsafe(18)


if __name__ == "__main__":  # a manual run: python bench/load/stack.py
    stack = Stack(nginx_port=8491, workers=3)
    try:
        stack.start_postgres()
        stack.start_redis()
        print(stack.prepare(users=5))
        stack.start_web()
        print("up at", stack.url, "; Ctrl-C to stop")
        signal.pause()
    finally:
        stack.stop()
    _ = pwd
