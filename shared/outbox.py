"""The outbox publisher: how a committed change's messages reach the broker.

`enqueue` sends a task now and never raises (a sweeper sends what stayed
pending); `enqueue_soon` hands an outbox row's task to a background thread
that batches the messages of many requests. The Celery app is the process's
current one (orders_project/celery.py creates it); this module names no app.
"""

import atexit
import contextvars
import logging
import os
import queue
import threading
import time

from celery import current_app

from shared.logs import request_id_clean, request_id_var

logger = logging.getLogger(__name__)


def task_named(name: str):
    """The registered task called `name`, importing the apps' task modules on first need.

    A service names the task it schedules instead of importing its tasks module
    (which imports the service back): this finds the task when it must run here.
    """
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # Celery's autodiscovery of tasks.py
    return current_app.tasks[name]


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send `task` (a task, or a task's name) to the broker; on a failure log it and return False.

    Callers run after their transaction committed, so the change stands either
    way; every outbox (webhooks, notifications) has a beat sweeper that sends
    what stayed pending. Raising here would turn a committed change into an error.
    A task given by name runs in this process when tasks run eagerly (no broker).
    """
    if isinstance(task, str) and current_app.conf.task_always_eager:
        task = task_named(task)
    try:
        if isinstance(task, str):  # by name: this process need not have imported it
            current_app.send_task(task, args=args, countdown=countdown)
        else:
            task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises several kinds when the broker is unreachable
        logger.warning(
            "broker unreachable: %s%s not queued now; its sweeper will send it",
            getattr(task, "name", task),
            args,
            exc_info=True,
        )
        return False
    return True


# The tasks an outbox row's message may run (a sweeper re-sends their rows), by name.
OUTBOX_TASKS = frozenset(
    {
        "customers.notification_send",
        "orders.webhook_event_deliver",
        "connectors.status_push_send",
    }
)
# The task that fans a batch of outbox messages out to their own queues (orders/tasks.py).
OUTBOX_BATCH_TASK = "orders.outbox_messages_send"


class _BackgroundPublisher:
    """One thread per process that sends outbox messages to the broker.

    A request that committed an order or a transition need not wait for the
    broker's round trips before it answers: it hands the message over and this
    thread publishes it a moment later. Only outbox rows go this way (webhook
    events, notifications), so a message lost with a crashed process is still a
    pending row that the outbox's beat sweeper sends.

    Messages handed over within `OUTBOX_PUBLISH_COALESCE_MS` of each other (an
    order's notification and webhook, or many requests' under load) leave as one
    broker message, which a worker fans out to their queues: a publish costs the
    web process about half a millisecond of CPU however little it carries.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, task, args: tuple, context: contextvars.Context) -> None:
        if self._pid != os.getpid():  # first use in this process, or a fork of it
            with self._lock:
                if self._pid != os.getpid():
                    self._queue = queue.Queue()
                    threading.Thread(
                        target=self._run, args=(self._queue,), name="outbox-publisher", daemon=True
                    ).start()
                    self._pid = os.getpid()
        self._queue.put((task, args, context))

    @classmethod
    def _run(cls, messages: queue.Queue) -> None:
        from django.conf import settings

        while True:
            batch = [messages.get()]
            deadline = time.monotonic() + settings.OUTBOX_PUBLISH_COALESCE_MS / 1000
            while len(batch) < OUTBOX_BATCH_MAX:
                remaining = deadline - time.monotonic()
                try:
                    batch.append(
                        messages.get(timeout=remaining) if remaining > 0 else messages.get_nowait()
                    )
                except queue.Empty:
                    break
            try:
                cls._publish(batch)
            except Exception:  # never let one batch stop the thread
                logger.exception("publishing %d outbox message(s) failed", len(batch))
            finally:
                for _ in batch:
                    messages.task_done()

    @staticmethod
    def _publish(batch: list[tuple]) -> None:
        if len(batch) == 1:
            task, args, context = batch[0]
            # In the context of the code that handed it over: its request id goes along.
            context.run(enqueue, task, *args)
            return
        # Each message keeps the request id of the code that handed it over.
        carried = [
            [_task_name(task), list(args), context.run(request_id_var.get)]
            for task, args, context in batch
        ]
        enqueue(OUTBOX_BATCH_TASK, carried)

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


# A batch stays one small message: ids and request ids, never payloads.
OUTBOX_BATCH_MAX = 200


def outbox_batch_fan_out(messages: list[list]) -> None:
    """Publish each message of a batch to its own queue, with its own request id.

    Runs in a worker (the batch task); only outbox tasks are accepted, whatever
    the message says.
    """
    for name, args, request_id in messages:
        if name not in OUTBOX_TASKS:
            logger.warning("outbox batch: %s is not an outbox task; dropped", name)
            continue
        token = request_id_var.set(request_id_clean(request_id))
        try:
            enqueue(name, *args)
        finally:
            request_id_var.reset(token)


_publisher = _BackgroundPublisher()
# A process that stops gracefully (gunicorn or a worker on SIGTERM) sends what it holds.
atexit.register(_publisher.flush)


def enqueue_soon(task, *args) -> None:
    """Send an outbox row's task (a task or its name) from the background publisher.

    When tasks run eagerly, or background publishing is off, it is sent (or run) now.

    Only for tasks whose outbox a sweeper re-sends (OUTBOX_TASKS; see `_BackgroundPublisher`).
    """
    from django.conf import settings

    if _task_name(task) not in OUTBOX_TASKS:
        raise ValueError(f"{_task_name(task)} is not an outbox task: use enqueue().")

    if current_app.conf.task_always_eager or not settings.OUTBOX_PUBLISH_IN_BACKGROUND:
        enqueue(task, *args)
        return
    _publisher.submit(task, args, contextvars.copy_context())


def enqueued_soon_flush(timeout: float = 10.0) -> bool:
    """Wait until the background publisher has sent what it was handed (tests, shutdown)."""
    return _publisher.flush(timeout)
