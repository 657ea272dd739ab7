"""gunicorn settings for production, behind deploy/nginx.conf (docs/reliability.md).

Worker class ``gthread``: 3 processes x 2 threads by default (WEB_CONCURRENCY,
GUNICORN_THREADS), sized for 2 cores. Why this shape (docs/deploy.md, the load
figures in docs/benchmarks.md):

- processes = cores + 1: Python runs one thread at a time per process (the GIL),
  so the cores are filled by processes; the one extra keeps a core busy while
  another process waits on PostgreSQL or Redis;
- 2 threads each: a request's wait (a query, a Redis call, Argon2id, which runs
  in C with the GIL released) lets the other thread of the process work; more
  threads only queue behind the GIL and lengthen the tail;
- not ``sync``: 3 single-threaded processes would idle a core on every query;
  not gevent: psycopg 3 and Argon2 would need monkey-patching, and with nginx
  buffering in front there are no slow sockets left to multiplex.

Slow clients never reach a thread: nginx reads the whole request (headers within
10 s, body within 10 s, at most 6 MB) before handing it over, and buffers the
response, so a gunicorn thread is held only for the time Django works.

Timeouts: ``timeout`` 30 s kills a worker stuck that long (nginx waits 35 s);
``graceful_timeout`` 30 s lets a deploy finish the requests in flight;
``keepalive`` 5 s for nginx's upstream connections.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory held by a long-lived process), not all at once.
max_requests = 2000
max_requests_jitter = 200
# Same caps as nginx: a request line or header nginx would refuse never gets here either.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Heartbeat files in memory, not on a possibly slow disk (the arbiter checks them).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Only nginx (same host) may tell us the scheme and the client's address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# One JSON log line per request comes from Django; gunicorn's own stays short.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
preload_app = False  # each worker opens its own database connections
wsgi_app = "config.wsgi:application"
