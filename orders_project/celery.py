"""The Celery application; configured from Django settings with the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")

app = Celery("orders_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task, *args, countdown: float | None = None) -> bool:
    """Send `task` to the broker; on a broker failure log it and return False.

    Callers run after their transaction committed, so the change stands either
    way; every outbox (webhooks, notifications) has a beat sweeper that sends
    what stayed pending. Raising here would turn a committed change into an error.
    """
    import logging

    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu raises several kinds when the broker is unreachable
        logging.getLogger(__name__).warning(
            "broker unreachable: %s%s not queued now; its sweeper will send it",
            task.name,
            args,
            exc_info=True,
        )
        return False
    return True
