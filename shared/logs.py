"""What every log line carries: the request id, the Celery task, and the JSON shape.

A request's id comes from a safe incoming `X-Request-ID` header or is made
here; it lives in a context variable for the length of the request, goes back
in the response header, rides in the message headers of every Celery task the
request queues (see orders_project/celery.py) and is added to each log record
by `RequestContextFilter`. All of this runs on every request and every log
record, so it stays at a few attribute reads: no database, no settings lookups.
"""

import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from logging import Filter, LogRecord

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# The key under which a task's message headers carry the request id.
TASK_HEADER = "request_id"
# What a caller may send: an id of its own (a load balancer's, a storefront's), but
# nothing that could forge a log line or blow up a log index.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# (task id, task name) while a Celery task runs in this context.
task_var: ContextVar[tuple[str, str] | None] = ContextVar("celery_task", default=None)


def request_id_get() -> str | None:
    """Return the id of the request (or task chain) this code runs for, if any."""
    return request_id_var.get()


def request_id_clean(value: str | None) -> str | None:
    """Return `value` if it is a safe request id, else None."""
    if value and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


def request_id_new() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Give each request an id: the caller's `X-Request-ID` if safe, else a new uuid4 hex.

    Placed first in MIDDLEWARE so every later middleware's log lines carry it. The id
    is cleared when Django signals the request finished, not when this middleware
    returns: Django logs 4xx/5xx responses ("Not Found: ...") after the middleware
    chain, and those lines need the id most.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META, not request.headers: that builds a dict of every header on first use.
        request_id = request_id_clean(request.META.get("HTTP_X_REQUEST_ID")) or request_id_new()
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _request_id_clear(**kwargs) -> None:
    request_id_var.set(None)


request_finished.connect(_request_id_clear, dispatch_uid="shared.logs.request_id_clear")


class RequestContextFilter(Filter):
    """Add `request_id`, `task_id` and `task_name` to a record when they are known.

    A handler filter, so it sees the records of every logger that reaches the handler.
    Attributes already on the record (passed with `extra=`) are left as they are.
    """

    def filter(self, record: LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        task = task_var.get()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id, record.task_name = task
        return True


class JsonFormatter(_LibraryJsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, then the context.

    The context is `request_id`, `task_id`/`task_name` (from RequestContextFilter),
    `exception` (the traceback text) and every field passed with `extra=`.
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("json_ensure_ascii", False)  # Vietnamese text stays readable
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={
                "asctime": "timestamp",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            **kwargs,
        )

    def formatTime(self, record: LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
