"""gunicorn settings from the environment; the Procfile, the Dockerfile and compose.yaml use it.

HOST, PORT: where to listen (0.0.0.0:8000: a container or a host behind a proxy).
WEB_CONCURRENCY: worker processes (default 2); GUNICORN_THREADS: threads per worker
(default 1, the plain sync worker; more switches to gthread). GUNICORN_TIMEOUT: seconds a
request may take before its worker is killed and restarted (default 30).
GUNICORN_GRACEFUL_TIMEOUT: on SIGTERM, how long workers may finish the requests in
flight before they are killed (default 30; keep the orchestrator's stop grace above it).
GUNICORN_SWITCH_INTERVAL_MS: with threads, how long one thread may hold Python's GIL
before another gets it (default 0.5 ms; Python's own is 5 ms).
"""

import os
import sys
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Listening on every interface is what a container or a host behind a proxy needs;
# `make stack` passes HOST=127.0.0.1 for a loopback try-out.
bind = [f"{os.environ.get('HOST') or '0.0.0.0'}:{_int('PORT', 8000)}"]  # noqa: S104
workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Read here, not in post_fork: a bad value stops gunicorn at start, not each worker.
switch_interval_ms = float(os.environ.get("GUNICORN_SWITCH_INTERVAL_MS") or 0.5)
# Longer than a load balancer's idle wait would be pointless; shorter drops reused connections.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Logs go to stdout/stderr, where the process manager (honcho, Docker, systemd) collects them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The default line plus how long the request took, in microseconds (%(D)s).
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(f)s" "%(a)s"'

# gunicorn 27's control socket (for gunicornc) defaults to one path per user, which
# every gunicorn of that user on the machine would share; nothing here uses it, and
# the image's user has no writable home for it.
control_socket_disable = True

# The heartbeat file of each worker; on a container's overlay file system a write can
# stall long enough for the master to think the worker hung.
if Path("/dev/shm").is_dir():  # noqa: S108 - the documented place for it, not a temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108


def post_fork(server, worker) -> None:
    """Threaded workers: hand the GIL over sooner than Python's 5 ms.

    A request thread whose database answer has arrived waits for the GIL; with
    Python's default it may wait up to 5 ms behind a thread that is computing, at
    each of an order's dozen database round trips. With 8 clients on 2 workers of
    4 threads, order creation took a third longer than with 0.5 ms (benchmarks/).
    """
    if worker.cfg.threads > 1:
        sys.setswitchinterval(switch_interval_ms / 1000)
