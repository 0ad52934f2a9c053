"""Crashes reach Sentry, tagged with the request id, and nothing else of the customer's.

A gunicorn server runs the project in production mode (DEBUG off, JSON logs) with
the test-only URLs of orders_project/tests/urls.py and SENTRY_DSN pointing at a
small HTTP server in this test that records Sentry's envelopes. The SDK lives in
that server process only: the pytest process never starts it.
"""

import contextlib
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

GUNICORN = Path(sys.executable).parent / "gunicorn"
CONFIG_KEYS = {
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "LOG_LEVEL",
}


class SentryIngest:
    """Records what the SDK posts to /api/<project>/envelope/, decompressed."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        self.paths: list[str] = []
        ingest = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                ingest.paths.append(self.path)
                ingest.envelopes.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def events(self) -> list[dict]:
        """The error events among every envelope's items."""
        found = []
        for envelope in list(self.envelopes):
            lines = envelope.split(b"\n")
            # Line 0 is the envelope header; then pairs of item header and payload.
            for header_line, payload in zip(lines[1::2], lines[2::2], strict=False):
                if header_line and json.loads(header_line).get("type") == "event":
                    found.append(json.loads(payload))
        return found

    def events_tagged(self, request_id: str) -> list[dict]:
        return [event for event in self.events() if _tags(event).get("request_id") == request_id]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _tags(event: dict) -> dict:
    tags = event.get("tags") or {}
    return dict(tags) if isinstance(tags, dict) else {key: value for key, value in tags}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, *, port: int, dsn: str, log_path: Path, database: Path):
        env = {key: value for key, value in os.environ.items() if key not in CONFIG_KEYS}
        env.update(
            DJANGO_SETTINGS_MODULE="orders_project.tests.settings_crash",
            DEBUG="0",
            LOG_FORMAT="json",
            SECRET_KEY="sentry-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            DATABASE_URL=f"sqlite:///{database}",  # the crash views touch no table
            SENTRY_DSN=dsn,
            SENTRY_ENVIRONMENT="ci-test",
            SENTRY_RELEASE="orders@9.9.9",
            PYTHONUNBUFFERED="1",
        )
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"),
                # Its default control socket is one path per user: other servers share it.
                "--no-control-socket",
                "orders_project.wsgi",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{self.log()}")
            with contextlib.suppress(OSError):
                status, _headers, _body = self.request("GET", "/healthz")
                if status == 200:
                    return
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer /healthz in 30 s:\n{self.log()}")

    def request(self, method: str, path: str, *, body: bytes | None = None, **headers):
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self) -> None:
        """SIGTERM: gunicorn's worker exits cleanly and the SDK flushes what it holds."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="module")
def ingest():
    recorder = SentryIngest()
    yield recorder
    recorder.close()


@pytest.fixture(scope="module")
def server(ingest, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sentry")
    started = Server(
        port=_free_port(),
        dsn=f"http://publickey@127.0.0.1:{ingest.port}/1",
        log_path=folder / "gunicorn.log",
        database=folder / "db.sqlite3",
    )
    yield started
    started.stop()


def _wait_for_event(ingest: SentryIngest, request_id: str, server: Server) -> dict:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = ingest.events_tagged(request_id)
        if events:
            return events[0]
        time.sleep(0.1)
    pytest.fail(
        f"no Sentry event tagged {request_id} (got {len(ingest.events())} events);"
        f" server log:\n{server.log()[-4000:]}"
    )


CUSTOMER_BODY = json.dumps({"email": "lan@example.com", "name": "Nguyễn Thị Lan"}).encode()


@pytest.mark.parametrize("path", ["/api/v1/test/crash/", "/test/crash/"])
def test_an_unhandled_error_reaches_sentry_with_the_request_id_and_no_customer_data(
    server, ingest, path
):
    request_id = "sentry-" + path.strip("/").replace("/", "-")

    status, headers, body = server.request(
        "POST",
        path,
        body=CUSTOMER_BODY,
        **{
            "Content-Type": "application/json",
            "X-Request-ID": request_id,
            "Authorization": "Api-Key key-must-not-leak-42",
        },
    )

    assert status == 500
    assert headers["X-Request-ID"] == request_id
    if path.startswith("/api/"):  # the API still answers in its own error shape
        assert json.loads(body)["error"]["code"] == "server_error"
    event = _wait_for_event(ingest, request_id, server)
    [exception] = event["exception"]["values"]
    assert exception["type"] == "CrashForTest"
    assert exception["value"] == "the test view crashed on purpose"
    assert event["environment"] == "ci-test"
    assert event["release"] == "orders@9.9.9"
    assert event["request"]["url"].endswith(path)
    raw = b"".join(ingest.envelopes)
    assert b"lan@example.com" not in raw
    assert "Nguyễn".encode() not in raw
    assert b"key-must-not-leak-42" not in raw
    assert set(ingest.paths) == {"/api/1/envelope/"}


def test_a_line_logged_in_a_view_is_json_with_the_request_id(server):
    status, headers, _body = server.request("GET", "/test/log/", **{"X-Request-ID": "json-line-1"})

    assert status == 200
    assert headers["X-Request-ID"] == "json-line-1"
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in server.json_lines() if line.get("request_id") == "json-line-1"]
        if lines or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    [line] = lines
    assert line["logger"] == "orders_project.tests.urls"
    assert line["message"] == "test view says hello"
    assert line["order_number"] == "ORD-42"


def test_each_crash_is_reported_once_and_its_error_line_carries_the_request_id(server, ingest):
    server.request("GET", "/api/v1/test/crash/", **{"X-Request-ID": "once-only"})
    _wait_for_event(ingest, "once-only", server)
    server.stop()  # the SDK flushes on exit: a second event would be sent by now

    assert len(ingest.events_tagged("once-only")) == 1
    [line] = [
        line
        for line in server.json_lines()
        if line.get("request_id") == "once-only" and line["logger"] == "api.errors"
    ]
    assert line["level"] == "ERROR"
    assert "CrashForTest: the test view crashed on purpose" in line["exception"]
