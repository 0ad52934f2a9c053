"""Outbox messages leave from a background thread after commit, and none is dropped.

Runs against the machine's Redis (a database of its own); skipped without it.
"""

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings

from customers.tasks import notification_send
from customers.tests.broker import producer_use
from orders_project.celery import app, enqueue_soon, enqueued_soon_flush

BROKER_URL = "redis://127.0.0.1:6379/11"
QUEUE = "notifications"  # where CELERY_TASK_ROUTES sends notification_send
ROOT = Path(__file__).resolve().parents[2]


def _redis():
    import redis

    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return client


def _queued_task_args(client) -> list[str]:
    import json

    return [json.loads(raw)["headers"]["argsrepr"] for raw in client.lrange(QUEUE, 0, -1)]


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
        enqueue_soon(notification_send, 42)
        assert enqueued_soon_flush(timeout=10)
    finally:
        del app.amqp.send_task_message

    assert _queued_task_args(broker) == ["(42,)", "(41,)"]  # LPUSH: newest first
    assert publishers == ["outbox-publisher", "outbox-publisher"]


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
        "from customers.tasks import notification_send; "
        "from orders_project.celery import enqueue_soon; "
        "[enqueue_soon(notification_send, n) for n in range(50)]"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": BROKER_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",
    }

    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)

    assert sorted(_queued_task_args(broker)) == sorted(f"({n},)" for n in range(50))


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
