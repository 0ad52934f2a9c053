"""Celery tasks sending the customer e-mail outbox.

Their names still say "customers": queued messages and django-celery-beat's
rows name them so, from when notifications were part of the customers app.
"""

import logging

from celery import shared_task

from shared.outbox import enqueue

from .delivery import notification_send_now, notifications_due

logger = logging.getLogger(__name__)


@shared_task(name="customers.notification_send", ignore_result=True)
def notification_send(notification_id: int) -> None:
    """Send one notification; safe to run twice or at once (a lease decides)."""
    notification_send_now(notification_id)


@shared_task(name="customers.notifications_send_due", ignore_result=True)
def notifications_send_due() -> int:
    """Queue the notifications still pending after a while (lost message, dead worker)."""
    due = notifications_due()
    for notification_id in due:
        enqueue(notification_send, notification_id)
    if due:
        logger.info("notification sweeper: %d pending notification(s) queued", len(due))
    return len(due)
