"""Celery tasks of the orders app."""

import logging

from celery import shared_task

from .models import OrderEvent

logger = logging.getLogger(__name__)


@shared_task(name="orders.order_event_dispatch", ignore_result=True)
def order_event_dispatch(event_id: int) -> None:
    """Fan one committed order event out to what follows it.

    This is the single hook for after-commit side effects; customer
    notifications and storefront webhooks plug in here. It receives an id, not
    an instance, and must stay safe to run twice.
    """
    event = OrderEvent.objects.select_related("order").filter(pk=event_id).first()
    if event is None:
        logger.warning("order event %s vanished before dispatch", event_id)
        return
    logger.info(
        "order %s: %s %s -> %s",
        event.order.number,
        event.transition or event.event_type,
        event.from_status or "-",
        event.to_status or "-",
    )


@shared_task(name="orders.webhook_event_deliver", ignore_result=True)
def webhook_event_deliver(event_id: str) -> None:
    """Try to deliver one webhook event now (placeholder until delivery lands)."""
    logger.info("webhook event %s queued", event_id)
