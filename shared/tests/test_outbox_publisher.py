"""Outbox messages leave from a background thread after commit, and none is dropped.

Runs against the machine's Redis (a database of its own); skipped without it.
"""

import base64
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from notifications.tasks import notification_send, notifications_send_due
from orders_project.celery import app
from shared.logs import request_id_var
from shared.outbox import enqueue_soon, enqueued_soon_flush, outbox_batch_fan_out
from shared.tests.broker import producer_use
from shared.tests.scratch_redis import scratch_redis_url
from webhooks.tasks import webhook_event_deliver

BROKER_URL = scratch_redis_url()
QUEUE = "notifications"  # where CELERY_TASK_ROUTES sends notification_send
ROOT = Path(__file__).resolve().parents[2]


def _redis():
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception:
        pytest.skip(f"Redis does not answer at {scratch_redis_url()}")
    return client


def _queued_task_args(client, queue: str = QUEUE) -> list[str]:
    return [json.loads(raw)["headers"]["argsrepr"] for raw in client.lrange(queue, 0, -1)]


def _queued(client, queue: str) -> list[tuple[str, list]]:
    """(task name, args) of each message waiting in `queue`, oldest first."""
    messages = [json.loads(raw) for raw in reversed(client.lrange(queue, 0, -1))]
    return [
        (message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0])
        for message in messages
    ]


@pytest.fixture
def broker():
    client = _redis()
    client.flushdb()
    eager, url = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    producer_use(BROKER_URL)
    try:
        yield client
    finally:
        enqueued_soon_flush(timeout=30)
        app.conf.task_always_eager = eager
        producer_use(url)
        client.flushdb()


def test_a_message_is_handed_to_the_publisher_thread_and_reaches_the_broker(broker):
    publishers = []
    original = app.amqp.send_task_message

    def send_task_message(*args, **kwargs):
        publishers.append(threading.current_thread().name)
        return original(*args, **kwargs)

    app.amqp.send_task_message = send_task_message
    try:
        enqueue_soon(notification_send, 41)
        assert enqueued_soon_flush(timeout=10)  # published: the next one is on its own
        enqueue_soon(notification_send, 42)
        assert enqueued_soon_flush(timeout=10)
    finally:
        del app.amqp.send_task_message

    assert _queued_task_args(broker) == ["(42,)", "(41,)"]  # LPUSH: newest first
    assert publishers == ["outbox-publisher", "outbox-publisher"]


def test_messages_handed_over_together_leave_as_one_and_a_worker_fans_them_out(broker, settings):
    # A window no busy test machine can miss: the three must make one batch.
    settings.OUTBOX_PUBLISH_COALESCE_MS = 500
    token = request_id_var.set("req-of-the-order")
    try:
        enqueue_soon(notification_send, 41)
        enqueue_soon(webhook_event_deliver, "6f1c")
    finally:
        request_id_var.reset(token)
    enqueue_soon(notification_send, 43)  # another request's, with no request id
    assert enqueued_soon_flush(timeout=10)

    [(name, [batch])] = _queued(broker, "default")
    assert name == "orders.outbox_messages_send"
    assert batch == [
        ["customers.notification_send", [41], "req-of-the-order"],
        ["orders.webhook_event_deliver", ["6f1c"], "req-of-the-order"],
        ["customers.notification_send", [43], None],
    ]
    assert broker.llen(QUEUE) == broker.llen("webhooks") == 0

    outbox_batch_fan_out([*batch, ["orders.bulk_job_run", [1], None]])  # as the worker does

    assert _queued(broker, QUEUE) == [
        ("customers.notification_send", [41]),
        ("customers.notification_send", [43]),
    ]
    assert _queued(broker, "webhooks") == [("orders.webhook_event_deliver", ["6f1c"])]
    request_ids = [
        json.loads(raw)["headers"].get("request_id") for raw in broker.lrange(QUEUE, 0, -1)
    ]
    assert request_ids == [None, "req-of-the-order"]  # newest first
    assert broker.llen("default") == 1  # the unknown task was not sent


def test_only_outbox_tasks_go_through_the_publisher():
    with pytest.raises(ValueError, match="not an outbox task"):
        enqueue_soon(notifications_send_due)


def test_with_the_broker_down_the_thread_logs_and_goes_on(broker, caplog):
    producer_use("redis://127.0.0.1:1/0")
    enqueue_soon(notification_send, 7)
    assert enqueued_soon_flush(timeout=30)
    assert any("broker unreachable" in record.getMessage() for record in caplog.records)

    producer_use(BROKER_URL)
    enqueue_soon(notification_send, 8)
    assert enqueued_soon_flush(timeout=10)

    assert _queued_task_args(broker) == ["(8,)"]


def test_a_process_that_exits_right_after_handing_over_still_sends(broker):
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'orders_project.settings'; "
        "django.setup(); "
        "from notifications.tasks import notification_send; "
        "from shared.outbox import enqueue_soon; "
        "[enqueue_soon(notification_send, n) for n in range(50)]"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": BROKER_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",
    }

    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)

    sent = [args[0] for _, args in _queued(broker, QUEUE)]
    sent += [args[0] for _, [batch] in _queued(broker, "default") for _, args, _ in batch]
    assert sorted(sent) == list(range(50))


@pytest.fixture
def eager():
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_eager_tasks_are_not_handed_over(eager, monkeypatch):
    callers = []
    monkeypatch.setattr(
        notification_send,
        "apply_async",
        lambda *args, **kwargs: callers.append(threading.current_thread().name),
    )

    enqueue_soon(notification_send, 1)

    assert callers == [threading.current_thread().name]
