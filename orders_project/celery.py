"""The Celery application; configured from Django settings with the CELERY_ prefix."""

import atexit
import contextvars
import logging
import logging.config
import os
import queue
import threading
import time

from celery import Celery, signals

from orders_project.logs import TASK_HEADER, request_id_clean, request_id_var, task_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")

app = Celery("orders_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@signals.setup_logging.connect
def _logging_from_django_settings(**kwargs) -> None:
    """Log from the worker and beat exactly as the web process does (settings.LOGGING).

    Connecting this stops Celery from replacing the root logger's handlers with its
    own format, so LOG_FORMAT and LOG_LEVEL rule there too (`--loglevel` is ignored).
    """
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _request_id_to_task_headers(headers: dict | None = None, **kwargs) -> None:
    """Stamp a task queued while serving a request (or running a task) with that id."""
    request_id = request_id_var.get()
    if request_id is not None and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


# Context tokens of the tasks running in this process, by task id, to restore afterwards.
_task_tokens: dict[str, tuple] = {}


@signals.task_prerun.connect
def _task_context_enter(task_id: str, task, **kwargs) -> None:
    """Give the task's log lines its request id and its own id and name.

    A task queued by a request carries that request's id in its headers. One queued
    outside any request (beat, a sweeper run, a management command) takes its own
    task id as request id, and the tasks it queues in turn inherit it, so one id
    still follows a sweep and everything it sent. An eager task (run in process)
    keeps the id of the request it runs in.
    """
    request = task.request
    task_token = task_var.set((task_id, task.name))
    if request.is_eager:
        _task_tokens[task_id] = (task_token, None)
        return
    request_id = request_id_clean(getattr(request, TASK_HEADER, None)) or task_id
    _task_tokens[task_id] = (task_token, request_id_var.set(request_id))


@signals.task_postrun.connect
def _task_context_exit(task_id: str, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is None:
        return
    task_token, request_token = tokens
    if request_token is not None:
        request_id_var.reset(request_token)
    task_var.reset(task_token)


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send `task` (a task, or a task's name) to the broker; on a failure log it and return False.

    Callers run after their transaction committed, so the change stands either
    way; every outbox (webhooks, notifications) has a beat sweeper that sends
    what stayed pending. Raising here would turn a committed change into an error.
    """
    try:
        if isinstance(task, str):  # by name: this process need not have imported it
            app.send_task(task, args=args, countdown=countdown)
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
OUTBOX_TASKS = frozenset({"customers.notification_send", "orders.webhook_event_deliver"})
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
            [task.name, list(args), context.run(request_id_var.get)]
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
    """Send an outbox row's task from the background publisher, or now when tasks run eagerly.

    Only for tasks whose outbox a sweeper re-sends (OUTBOX_TASKS; see `_BackgroundPublisher`).
    """
    from django.conf import settings

    if task.name not in OUTBOX_TASKS:
        raise ValueError(f"{task.name} is not an outbox task: use enqueue().")

    if app.conf.task_always_eager or not settings.OUTBOX_PUBLISH_IN_BACKGROUND:
        enqueue(task, *args)
        return
    _publisher.submit(task, args, contextvars.copy_context())


def enqueued_soon_flush(timeout: float = 10.0) -> bool:
    """Wait until the background publisher has sent what it was handed (tests, shutdown)."""
    return _publisher.flush(timeout)
