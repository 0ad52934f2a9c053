"""SIGTERM to gunicorn (with the project's gunicorn.conf.py) loses no request in flight.

Serves orders_project/tests/slow_wsgi.py (the Django app plus a 2-second path) from a
real gunicorn master, starts a slow request, sends SIGTERM to the master while it runs,
and checks that the request still completes with 200 and that gunicorn exits with 0.
"""

import signal
import threading
import time
import urllib.request

import pytest

from .processes import BIN, ProjectProcess, child_environment, free_port

pytestmark = pytest.mark.slow

SLOW_SECONDS = 2.0


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    server = ProjectProcess(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "orders_project.tests.slow_wsgi"],
        env=child_environment(
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY="1",
            SLOW_SECONDS=str(SLOW_SECONDS),
            DEBUG="0",
            SECRET_KEY="graceful-shutdown-test-key-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
        ),
        log_path=tmp_path / "gunicorn.log",
    )
    server.base_url = f"http://127.0.0.1:{port}"
    try:
        server.wait_for(lambda: _answers(f"{server.base_url}/healthz"), timeout=20, what="/healthz")
        yield server
    finally:
        server.stop()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_sigterm_lets_the_request_in_flight_finish_and_gunicorn_exits_cleanly(gunicorn):
    result: dict = {}

    def slow_request():
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"{gunicorn.base_url}/__slow__", timeout=15) as response:
                result.update(status=response.status, body=response.read())
        except Exception as error:
            result["error"] = error
        result["seconds"] = time.monotonic() - started

    client = threading.Thread(target=slow_request)
    client.start()
    gunicorn.wait_for_log("slow request started", timeout=5)
    sent_at = time.monotonic()
    gunicorn.signal(signal.SIGTERM)

    client.join(timeout=15)
    assert not client.is_alive()
    assert "error" not in result, result.get("error")
    assert result["status"] == 200
    assert result["body"] == b"slow request finished\n"
    assert result["seconds"] >= SLOW_SECONDS

    returncode = gunicorn.process.wait(timeout=15)
    stopped_after = time.monotonic() - sent_at
    log = gunicorn.log()
    assert returncode == 0, log
    assert "Handling signal: term" in log
    assert "Shutting down: Master" in log
    # The worker finished its request, well inside graceful_timeout, and was not killed.
    assert "WORKER TIMEOUT" not in log and "SIGKILL" not in log
    assert stopped_after < 10
    # The access log (stdout, from gunicorn.conf.py) recorded the request.
    assert '"GET /__slow__ HTTP/1.1" 200' in log
