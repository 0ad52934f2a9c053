"""A request's id reaches the log lines of the tasks it queued, in a real Celery worker.

The test posts an order through the API (in this process) with an `X-Request-ID`;
the notification and webhook tasks it queues run in a `celery worker` subprocess
against the scratch Redis database and the pytest test database, logging JSON to a file.

Skipped unless the database is PostgreSQL and Redis answers at
the scratch database (TEST_REDIS_URL, see shared/tests/scratch_redis.py).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from api.tests.conftest import order_body
from notifications.models import Notification, NotificationStatus
from notifications.tests.test_worker_integration import _database_url, filemail_url
from orders.services import storefront_create
from orders.tests.factories import order_new
from orders_project.celery import app
from shared.outbox import enqueued_soon_flush
from shared.tests.broker import producer_use
from shared.tests.scratch_redis import scratch_redis_url

BROKER_URL = scratch_redis_url()  # flushed before and after
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/0"
CELERY = Path(sys.executable).parent / "celery"


def _skip_reason() -> str:
    if connection.vendor != "postgresql":
        return f"needs PostgreSQL (DATABASE_URL), not {connection.vendor}: the worker shares the DB"
    try:
        import redis

        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except Exception:
        return f"needs Redis answering at {BROKER_URL} for a real Celery worker"
    return ""


_SKIP_REASON = _skip_reason()

pytestmark = [
    pytest.mark.skipif(bool(_SKIP_REASON), reason=_SKIP_REASON or "-"),
    pytest.mark.django_db(transaction=True),  # committed rows, visible to the worker
    pytest.mark.usefixtures("private_cache"),
]


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    client.flushdb()
    previous_url, previous_eager = app.conf.broker_url, app.conf.task_always_eager
    producer_use(BROKER_URL)
    app.conf.task_always_eager = False
    try:
        yield client
    finally:
        producer_use(previous_url)
        app.conf.task_always_eager = previous_eager
        client.flushdb()
        client.close()


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def worker(tmp_path, broker, transactional_db):
    """A `celery worker` subprocess logging JSON to a file; stopped before the tables flush."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
    }
    mail = tmp_path / "mail"
    mail.mkdir()
    env.update(
        DATABASE_URL=_database_url(),
        REDIS_URL=BROKER_URL,
        EMAIL_URL=filemail_url(mail),
        DEBUG="1",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        NOTIFICATION_RESEND_AFTER_SECONDS="1",
        DJANGO_SETTINGS_MODULE="orders_project.settings",
        PYTHONUNBUFFERED="1",
    )
    log_path = tmp_path / "worker.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            str(CELERY),
            *("-A", "orders_project", "worker", "--pool", "solo", "--concurrency", "1"),
            *("-Q", "notifications,default,webhooks"),
            *("--without-heartbeat", "--without-mingle", "--without-gossip"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle = WorkerLog(process, log_path)
    try:
        handle.wait_for(lambda line: line["message"].startswith("celery@"), what="ready")
        yield handle
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        log.close()
        connection.close()


class WorkerLog:
    def __init__(self, process: subprocess.Popen, path: Path):
        self.process = process
        self.path = path

    def text(self) -> str:
        return self.path.read_text(errors="replace")

    def json_lines(self) -> list[dict]:
        """Every log line of the worker; its start-up banner (not a log record) is skipped."""
        lines = []
        for raw in self.text().splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines

    def wait_for(self, predicate, *, what: str, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"worker exited ({self.process.returncode}):\n{self.text()[-4000:]}")
            found = [line for line in self.json_lines() if predicate(line)]
            if found:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}; worker log:\n{self.text()[-4000:]}")
            time.sleep(0.1)


def _succeeded(task_name: str):
    def predicate(line: dict) -> bool:
        return line.get("task_name") == task_name and " succeeded in " in line["message"]

    return predicate


def test_the_tasks_an_api_request_queues_log_with_its_request_id(worker, webhook_receiver):
    _storefront, key = storefront_create(name="Lan's Shop", webhook_url=webhook_receiver)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")

    response = client.post(
        "/api/v1/orders/",
        order_body(),
        format="json",
        HTTP_IDEMPOTENCY_KEY="key-1",
        HTTP_X_REQUEST_ID="shop-req-7f3a",
    )

    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "shop-req-7f3a"
    for task_name in ("customers.notification_send", "orders.webhook_event_deliver"):
        [done] = worker.wait_for(_succeeded(task_name), what=f"{task_name} to succeed")
        assert done["request_id"] == "shop-req-7f3a"
        assert done["level"] == "INFO"
        assert done["logger"] == "celery.app.trace"
        assert done["task_id"] in done["message"]
    # The task's own line (logged by our code, not Celery's) carries the id as well.
    [delivered] = worker.wait_for(
        lambda line: line["logger"] == "webhooks.delivery" and " attempt 1 " in line["message"],
        what="the webhook's own log line",
    )
    assert delivered["request_id"] == "shop-req-7f3a"
    assert delivered["task_name"] == "orders.webhook_event_deliver"
    # Between tasks the worker forgets the id: its own lines carry none.
    assert all("request_id" not in line for line in worker.json_lines() if "task_id" not in line)


def test_a_task_queued_outside_a_request_uses_its_own_id_and_passes_it_on(worker):
    # The order's e-mail cannot be queued (broker down), so the sweeper must send it.
    producer_use(UNREACHABLE_BROKER_URL)
    order = order_new()
    assert enqueued_soon_flush(timeout=30)  # the background publisher gave up on it
    producer_use(BROKER_URL)
    notification = Notification.objects.get(order=order)
    assert notification.status == NotificationStatus.PENDING
    time.sleep(1.2)  # past NOTIFICATION_RESEND_AFTER_SECONDS

    sweep = app.send_task("customers.notifications_send_due", queue="notifications")

    [swept] = worker.wait_for(
        _succeeded("customers.notifications_send_due"), what="the sweeper to run"
    )
    assert swept["task_id"] == sweep.id
    assert swept["request_id"] == sweep.id
    [sent] = worker.wait_for(_succeeded("customers.notification_send"), what="the resend")
    assert sent["task_id"] != sweep.id
    assert sent["request_id"] == sweep.id
