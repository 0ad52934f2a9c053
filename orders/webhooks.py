"""Outgoing webhooks to storefronts: recording events (outbox) and delivering them.

`webhook_event_record` is called by the order services inside the transaction
of the change, so an event exists exactly when the change committed. Delivery
happens in Celery after commit (`orders.tasks.webhook_event_deliver`).
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Order, Storefront, WebhookEvent, WebhookEventType


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
    from .tasks import webhook_event_deliver

    webhook_event_deliver.delay(str(event_id))
