"""The Celery application; configured from Django settings with the CELERY_ prefix."""

import logging
import logging.config
import os

from celery import Celery, signals

from shared.logs import TASK_HEADER, request_id_clean, request_id_var, task_var

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
