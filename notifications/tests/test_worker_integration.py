"""Customer e-mails through a real Celery worker process, Redis and PostgreSQL.

Each test starts `celery worker` as a subprocess against the pytest test
database and a dedicated Redis database, with e-mail written to files (one
`X-Notification-Id` header per message), and proves:

- an order walked through its life gets exactly one e-mail per customer-visible step;
- with the broker unreachable transitions still succeed and nothing is lost; once it
  is back the sweeper (the beat task) delivers what was pending, each message once;
- a worker killed in the middle of a send leaves the row pending, and after a restart
  the sweeper delivers it exactly once.

Skipped unless the database is PostgreSQL and Redis answers at
the scratch database (TEST_REDIS_URL, see shared/tests/scratch_redis.py).
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from fulfillment.services.tracking import tracking_event_record
from notifications.models import Notification, NotificationKind, NotificationStatus
from orders.models import OrderEvent, OrderEventType, OrderStatus, PaymentMethod
from orders.services import order_transition
from orders.tests.factories import CarrierFactory, order_new, transition_prepare
from orders_project.celery import app
from shared.outbox import enqueued_soon_flush
from shared.tests.broker import producer_use
from shared.tests.scratch_redis import scratch_redis_url

BROKER_URL = scratch_redis_url()  # flushed before and after
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/0"
LEASE_SECONDS = 3
RESEND_AFTER_SECONDS = 1
CELERY = Path(sys.executable).parent / "celery"  # the worker runs from the tests' virtualenv


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _skip_reason() -> str:
    if connection.vendor != "postgresql":
        return f"needs PostgreSQL (DATABASE_URL), not {connection.vendor}: the worker shares the DB"
    if not _redis_answers():
        return f"needs Redis answering at {BROKER_URL} for a real Celery worker"
    return ""


_SKIP_REASON = _skip_reason()

pytestmark = [
    pytest.mark.skipif(bool(_SKIP_REASON), reason=_SKIP_REASON or "-"),
    pytest.mark.django_db(transaction=True),  # committed rows, visible to the worker
]


# -- the producer (this process) and the broker ------------------------------------


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


# -- the worker process ----------------------------------------------------------------


def _database_url() -> str:
    """The URL of the database this test uses (pytest's test database), for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


class Worker:
    """One `celery worker` subprocess in its own process group, logging to a file."""

    def __init__(self, *, email_url: str, log_path: Path):
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER"}
        }
        env.update(
            DATABASE_URL=_database_url(),
            REDIS_URL=BROKER_URL,
            EMAIL_URL=email_url,
            DEBUG="1",
            NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
            NOTIFICATION_RESEND_AFTER_SECONDS=str(RESEND_AFTER_SECONDS),
            DJANGO_SETTINGS_MODULE="orders_project.settings",
            PYTHONUNBUFFERED="1",
        )
        self.log_path = log_path
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()/kill()
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "orders_project",
                "worker",
                "--pool",
                "solo",
                "--concurrency",
                "1",
                "-Q",
                "notifications,default,webhooks",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str, *, timeout: float) -> re.Match:
        def found():
            if self.process.poll() is not None:
                pytest.fail(f"worker exited ({self.process.returncode}):\n{self.log()[-4000:]}")
            return re.search(pattern, self.log())

        return wait_until(found, timeout=timeout, what=f"worker log /{pattern}/", worker=self)

    def wait_ready(self) -> None:
        self.wait_for_log(r"celery@\S+ ready", timeout=20)

    def _signal(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the whole worker: no warm shutdown, no ack, no cleanup."""
        self._signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


def filemail_url(path: Path) -> str:
    # django-environ drops the first character of the URL's path: an absolute path needs
    # four slashes (filemail:////tmp/...), or the worker writes relative to its cwd.
    return f"filemail:///{path.resolve()}"


@pytest.fixture
def workers(tmp_path, broker, transactional_db):
    """Start workers with `start(email_url)`; every one still running is stopped afterwards.

    Depends on `transactional_db` so the workers are gone before the tables are flushed.
    """
    started: list[Worker] = []

    def start(email_url: str) -> Worker:
        worker = Worker(email_url=email_url, log_path=tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        worker.wait_ready()
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()
        connection.close()  # the next flush must not wait on anything of ours


# -- helpers -----------------------------------------------------------------------


def wait_until(predicate, *, timeout: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            log = f"\nworker log:\n{worker.log()[-4000:]}" if worker else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}{log}")
        time.sleep(0.1)


def mailed_notification_ids(mail_dir: Path) -> Counter:
    """How many messages the worker wrote per X-Notification-Id (files may hold several)."""
    ids: Counter = Counter()
    for path in mail_dir.iterdir():
        for match in re.findall(rb"^X-Notification-Id: (\d+)\r?$", path.read_bytes(), re.M):
            ids[int(match)] += 1
    return ids


def statuses(order) -> dict[int, str]:
    return dict(Notification.objects.filter(order=order).values_list("pk", "status"))


def all_sent(order):
    current = statuses(order)
    return current and all(status == NotificationStatus.SENT for status in current.values())


def sweep(worker: Worker) -> None:
    """Run the sweeper the way beat does (a message to the worker) and wait until it ran."""
    result = app.send_task("customers.notifications_send_due", queue="notifications")
    worker.wait_for_log(rf"customers\.notifications_send_due\[{result.id}\] succeeded", timeout=15)


def resend_delay_pass(order) -> None:
    """Sleep until the newest notification of `order` is older than the resend delay."""
    newest = Notification.objects.filter(order=order).latest("created_at").created_at
    due_at = newest + timedelta(seconds=RESEND_AFTER_SECONDS + 0.2)
    remaining = (due_at - timezone.now()).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


def step(order, transition: str, reason: str = ""):
    order = transition_prepare(order, transition)
    return order_transition(order=order, transition=transition, actor=None, reason=reason)


# -- (1) one e-mail per customer-visible step --------------------------------------


def test_an_order_walked_through_its_life_mails_each_customer_visible_step_once(workers, mail_dir):
    worker = workers(filemail_url(mail_dir))

    order = order_new(payment_method=PaymentMethod.CARD)
    for transition in [
        "authorize_payment",
        "confirm",
        "start_picking",
        "start_packing",
        "mark_ready_to_ship",
        "ship",
    ]:
        order = step(order, transition)
    carrier = CarrierFactory()
    tracking_number = order.shipments.get().tracking_number
    for event_id, scan in [("scan-1", "out_for_delivery"), ("scan-2", "delivered")]:
        _event, new = tracking_event_record(
            carrier=carrier,
            event_id=event_id,
            tracking_number=tracking_number,
            status=scan,
            occurred_at=timezone.now(),
        )
        assert new
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    order = step(order, "complete")
    assert order.status == OrderStatus.COMPLETED

    rows = list(Notification.objects.filter(order=order).order_by("created_at", "pk"))
    assert [row.kind for row in rows] == [
        NotificationKind.ORDER_RECEIVED,
        NotificationKind.ORDER_CONFIRMED,
        NotificationKind.SHIPPED,
        NotificationKind.OUT_FOR_DELIVERY,
        NotificationKind.DELIVERED,
    ]
    wait_until(lambda: all_sent(order), timeout=20, what="every notification sent", worker=worker)
    # One send task per row ran (and finished) in the worker.
    wait_until(
        lambda: (
            len(re.findall(r"customers\.notification_send\[\S+\] succeeded", worker.log()))
            >= len(rows)
        ),
        timeout=10,
        what="the send tasks to finish",
        worker=worker,
    )

    rows = list(Notification.objects.filter(order=order))
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert all(row.attempts == 1 and row.sent_at is not None for row in rows)
    assert mailed_notification_ids(mail_dir) == {row.pk: 1 for row in rows}


# -- (2) broker down: nothing lost, delivered once when it is back -----------------


def test_with_the_broker_down_transitions_succeed_and_the_sweeper_delivers_each_once(
    workers, mail_dir, caplog
):
    worker = workers(filemail_url(mail_dir))

    producer_use(UNREACHABLE_BROKER_URL)
    started = time.monotonic()
    order = order_new()  # cash on delivery: confirming needs no payment
    order = step(order, "confirm")
    order = step(order, "hold", reason="stock_shortage")
    assert enqueued_soon_flush(timeout=30)  # the background publisher has tried each message
    outage_seconds = time.monotonic() - started

    assert order.status == OrderStatus.ON_HOLD
    assert (
        OrderEvent.objects.filter(order=order, event_type=OrderEventType.STATUS_CHANGED).count()
        == 2
    )
    assert any("broker unreachable" in record.getMessage() for record in caplog.records)
    rows = list(Notification.objects.filter(order=order).order_by("created_at", "pk"))
    assert [row.kind for row in rows] == [
        NotificationKind.ORDER_RECEIVED,
        NotificationKind.ORDER_CONFIRMED,
        NotificationKind.ON_HOLD,
    ]
    time.sleep(1)  # the live worker gets nothing: the messages never reached the broker
    assert set(statuses(order).values()) == {NotificationStatus.PENDING}
    assert mailed_notification_ids(mail_dir) == Counter()

    producer_use(BROKER_URL)
    resend_delay_pass(order)
    sweep(worker)
    wait_until(lambda: all_sent(order), timeout=20, what="every notification sent", worker=worker)
    assert "3 pending notification(s) queued" in worker.log()

    sweep(worker)  # a later beat run finds nothing left to send
    rows = list(Notification.objects.filter(order=order))
    assert all(row.status == NotificationStatus.SENT and row.attempts == 1 for row in rows)
    assert mailed_notification_ids(mail_dir) == {row.pk: 1 for row in rows}
    assert outage_seconds < 30


# -- (3) a worker killed mid-send ----------------------------------------------------


class SMTPBlackHole:
    """A TCP server that accepts connections and never answers: an SMTP send hangs."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                client, _address = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(client)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        for client in self.accepted:
            client.close()
        self.server.close()


@pytest.fixture
def smtp_black_hole():
    server = SMTPBlackHole()
    try:
        yield server
    finally:
        server.close()


def test_a_worker_killed_mid_send_leaves_the_message_to_be_sent_once_after_restart(
    workers, mail_dir, smtp_black_hole
):
    hanging = workers(f"smtp://127.0.0.1:{smtp_black_hole.port}")

    order = order_new()
    notification = Notification.objects.get(order=order)
    assert notification.kind == NotificationKind.ORDER_RECEIVED
    # Mid-send: the row is claimed and the worker is connected to the SMTP server.
    wait_until(
        lambda: (
            smtp_black_hole.accepted
            and Notification.objects.filter(pk=notification.pk, attempts=1).exists()
        ),
        timeout=15,
        what="the worker to claim the row and connect to SMTP",
        worker=hanging,
    )
    hanging.kill()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.sent_at is None
    assert notification.lease_until is not None

    worker = workers(filemail_url(mail_dir))
    # The lease of the dead worker runs out; only the sweeper brings the row back.
    remaining = (notification.lease_until - timezone.now()).total_seconds() + 0.2
    time.sleep(max(remaining, 0))
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    resend_delay_pass(order)
    sweep(worker)
    wait_until(lambda: all_sent(order), timeout=15, what="the notification sent", worker=worker)

    sweep(worker)  # sent rows are not swept again
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert mailed_notification_ids(mail_dir) == {notification.pk: 1}
