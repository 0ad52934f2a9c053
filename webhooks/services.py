"""Outgoing webhooks to storefronts: recording events in the outbox, and resending them.

`webhook_event_record` runs inside the transaction of the order change, so an
event exists exactly when the change committed; after commit its id goes to
Celery (`webhooks.tasks.webhook_event_deliver`), which delivers it through
webhooks.delivery.
"""

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.models import Order, Storefront
from shared.actors import Actor
from shared.outbox import enqueue_soon

from .models import WebhookEvent, WebhookEventStatus, WebhookEventType

logger = logging.getLogger(__name__)


def order_webhook_data(order: Order) -> dict[str, Any]:
    """Return the order summary that order webhooks carry."""
    return {
        "number": order.number,
        "external_id": order.external_id,
        "status": order.status,
        "status_display": order.customer_status_display,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "total": str(order.total),
        "version": order.version,
        "updated_at": timezone.localtime(order.updated_at or timezone.now()).isoformat(),
    }


def webhook_event_record(
    *,
    storefront: Storefront,
    event_type: WebhookEventType,
    data: dict[str, Any],
    order: Order | None = None,
) -> WebhookEvent | None:
    """Write one outbox row for `storefront`'s webhook URL and send it after commit.

    Returns None (and writes nothing) when the storefront has no webhook URL.
    """
    if not storefront.webhook_url:
        return None
    event = WebhookEvent(storefront=storefront, order=order, event_type=event_type)
    event.payload = {
        "id": str(event.id),
        "type": str(event_type),
        "created_at": timezone.localtime(event.created_at).isoformat(),
        "data": data,
    }
    event.save()
    transaction.on_commit(lambda: _webhook_event_send_soon(event.pk))
    return event


def _webhook_event_send_soon(event_id) -> None:
    # By name: webhooks.tasks imports the delivery side, not this module.
    enqueue_soon("orders.webhook_event_deliver", str(event_id))


def webhook_event_resend(*, event: WebhookEvent, actor: Actor) -> WebhookEvent:
    """Put `event` back in the queue and send it after commit, under the same id.

    Earlier attempts stay in the log and numbering continues. An event older
    than WEBHOOK_RETRY_FOR_SECONDS gets this one try: a retryable failure then
    fails it again (resend once more when the receiver is back).
    """
    now = timezone.now()
    with transaction.atomic():
        WebhookEvent.objects.filter(pk=event.pk).update(
            status=WebhookEventStatus.PENDING,
            next_attempt_at=now,
            lease_until=None,
            delivered_at=None,
        )
        transaction.on_commit(partial(_webhook_event_send_soon, event.pk))
    # WebhookEvent has no actor column: the log line is the record of who resent it.
    logger.info(
        "webhook event %s (%s) resent by %s",
        event.pk,
        event.event_type,
        getattr(actor, "username", None) or "system",
    )
    event.refresh_from_db()
    return event


webhook_event_resend.alters_data = True
