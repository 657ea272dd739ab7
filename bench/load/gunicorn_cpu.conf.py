"""deploy/gunicorn.conf.py, plus the CPU each request costs its thread (load test only).

Every setting comes from deploy/gunicorn.conf.py unchanged. The two hooks read
``time.thread_time()`` around each request (parsing, Django, writing the
answer, the access log: all that the gthread worker's thread does for it) and
append ``name<TAB>cpu ms`` to ``$LOAD_CPU_DIR/cpu-<pid>.tsv``; the name is the
``X-Load-Name`` header the locustfile sends, else the method and path.
"""

import os
import time
from pathlib import Path

_deploy = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
exec(compile(_deploy.read_text(), str(_deploy), "exec"))  # noqa: S102

_CPU_DIR = os.environ.get("LOAD_CPU_DIR", "")
_files: dict[int, object] = {}


def pre_request(worker, req):
    req._cpu_start = time.thread_time()


def post_request(worker, req, environ, resp):
    start = getattr(req, "_cpu_start", None)
    if start is None or not _CPU_DIR:
        return
    spent = (time.thread_time() - start) * 1000
    name = environ.get("HTTP_X_LOAD_NAME") or f"{req.method} {req.path}"
    handle = _files.get(os.getpid())
    if handle is None:
        handle = _files[os.getpid()] = open(  # noqa: SIM115
            Path(_CPU_DIR) / f"cpu-{os.getpid()}.tsv", "a", buffering=1
        )
    handle.write(f"{name}\t{spent:.3f}\n")
