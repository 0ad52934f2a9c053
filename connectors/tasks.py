"""Celery tasks of the connectors app."""

import logging

from celery import shared_task
from django.conf import settings

from shared.outbox import enqueue

from .import_jobs import IMPORT_TASK, import_job_run_now
from .services.deliveries import deliveries_waiting_ids, delivery_apply
from .status_pushes import status_push_send_now, status_pushes_due

logger = logging.getLogger(__name__)


# -- order files (connectors.import_jobs) -------------------------------------


@shared_task(name=IMPORT_TASK, ignore_result=True)
def import_job_run(job_id: int) -> None:
    """Import a confirmed file's orders (queued once the confirmation is committed)."""
    job = import_job_run_now(job_id)
    logger.info(
        "import job %s: %s, %s created, %s already there, %s refused",
        job.pk,
        job.status,
        job.orders_created,
        job.orders_existing,
        job.orders_failed,
    )


# -- status pushed back to the platforms (connectors.status_pushes) ---------------------


@shared_task(name="connectors.status_push_send", ignore_result=True)
def status_push_send(push_id: int) -> None:
    """Tell the platform one shipment went out; safe to run twice or at once (a lease decides)."""
    status_push_send_now(push_id)


@shared_task(name="connectors.status_pushes_send_due", ignore_result=True)
def status_pushes_send_due() -> int:
    """Queue the pending pushes whose own scheduled try was lost; return how many.

    Beat runs this every minute (CELERY_BEAT_SCHEDULE): a dropped broker message
    or a worker that died mid-send delays a push, never loses it.
    """
    due = status_pushes_due()
    for push_id in due:
        enqueue(status_push_send, push_id)
    if due:
        logger.info("status push sweeper: %d overdue push(es) queued", len(due))
    return len(due)


# -- platform deliveries (connectors.services.deliveries) ---------------------


@shared_task(name="connectors.delivery_apply", ignore_result=True)
def delivery_apply_task(delivery_id: int) -> None:
    """Apply one stored delivery (queued after the delivery is committed)."""
    delivery = delivery_apply(delivery_id)
    if delivery is not None:
        logger.info(
            "platform delivery %s (%s %s): %s",
            delivery.pk,
            delivery.platform,
            delivery.topic,
            delivery.outcome,
        )


@shared_task(name="connectors.deliveries_apply_waiting", ignore_result=True)
def deliveries_apply_waiting() -> None:
    """Queue again the deliveries still waiting after a while: their task was lost (beat)."""
    waiting = deliveries_waiting_ids(older_than_seconds=settings.PLATFORM_DELIVERY_RESEND_SECONDS)
    for delivery_id in waiting:
        enqueue(delivery_apply_task, delivery_id)
    if waiting:
        logger.warning("%s platform deliveries were still waiting: queued again", len(waiting))
