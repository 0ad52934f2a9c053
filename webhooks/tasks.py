"""Celery tasks delivering the outgoing webhook outbox.

Their names still say "orders": queued messages and django-celery-beat's rows
name them so, from when webhooks were part of the orders app.
"""

import logging

from celery import shared_task

from shared.outbox import enqueue

from .delivery import webhook_event_deliver_now, webhook_events_due

logger = logging.getLogger(__name__)


@shared_task(name="orders.webhook_event_deliver", ignore_result=True)
def webhook_event_deliver(event_id: str) -> None:
    """Try to deliver one webhook event now; safe to run twice or at once (a lease decides)."""
    webhook_event_deliver_now(event_id)


@shared_task(name="orders.webhook_events_send_due", ignore_result=True)
def webhook_events_send_due() -> int:
    """Enqueue the pending events whose own scheduled try was lost; return how many.

    Beat runs this every minute (CELERY_BEAT_SCHEDULE), so a dropped broker
    message or a worker that died mid-send delays an event, never loses it.
    """
    due = webhook_events_due()
    for event_id in due:
        enqueue(webhook_event_deliver, str(event_id))
    if due:
        logger.info("webhook sweeper: %d overdue event(s) enqueued", len(due))
    return len(due)
