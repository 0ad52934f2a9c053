"""The Celery application; configured from Django settings with the CELERY_ prefix."""

import atexit
import logging
import os
import queue
import threading
import time

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")

app = Celery("orders_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send `task` to the broker; on a broker failure log it and return False.

    Callers run after their transaction committed, so the change stands either
    way; every outbox (webhooks, notifications) has a beat sweeper that sends
    what stayed pending. Raising here would turn a committed change into an error.
    """
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises several kinds when the broker is unreachable
        logger.warning(
            "broker unreachable: %s%s not queued now; its sweeper will send it",
            task.name,
            args,
            exc_info=True,
        )
        return False
    return True


class _BackgroundPublisher:
    """One thread per process that sends outbox messages to the broker.

    A request that committed an order or a transition need not wait for the
    broker's round trips before it answers: it hands the message over and this
    thread publishes it a moment later. Only outbox rows go this way (webhook
    events, notifications), so a message lost with a crashed process is still a
    pending row that the outbox's beat sweeper sends.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, task, args: tuple) -> None:
        if self._pid != os.getpid():  # first use in this process, or a fork of it
            with self._lock:
                if self._pid != os.getpid():
                    self._queue = queue.Queue()
                    threading.Thread(
                        target=self._run, args=(self._queue,), name="outbox-publisher", daemon=True
                    ).start()
                    self._pid = os.getpid()
        self._queue.put((task, args))

    @staticmethod
    def _run(messages: queue.Queue) -> None:
        while True:
            task, args = messages.get()
            try:
                enqueue(task, *args)
            except Exception:  # never let one message stop the thread
                logger.exception("publishing %s%s failed", task.name, args)
            finally:
                messages.task_done()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait up to `timeout` seconds for handed-over messages; True if none is left."""
        if self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True


_publisher = _BackgroundPublisher()
# A process that stops gracefully (gunicorn or a worker on SIGTERM) sends what it holds.
atexit.register(_publisher.flush)


def enqueue_soon(task, *args) -> None:
    """Send an outbox row's task from the background publisher, or now when tasks run eagerly.

    Use it only for tasks whose outbox a sweeper re-sends (see `_BackgroundPublisher`).
    """
    from django.conf import settings

    if app.conf.task_always_eager or not settings.OUTBOX_PUBLISH_IN_BACKGROUND:
        enqueue(task, *args)
        return
    _publisher.submit(task, args)


def enqueued_soon_flush(timeout: float = 10.0) -> bool:
    """Wait until the background publisher has sent what it was handed (tests, shutdown)."""
    return _publisher.flush(timeout)
