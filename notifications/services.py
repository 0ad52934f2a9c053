"""Customer e-mails: an outbox written with each change, sent once by a Celery worker.

`notification_record` runs inside the transaction of the change that causes
the message, so a message exists exactly when the change committed. Sending
(notifications.delivery) claims the row with a lease, sends, then marks it
sent; a beat sweeper re-queues rows still pending after
NOTIFICATION_RESEND_AFTER_SECONDS (broker down, worker killed mid-send).
"""

from functools import partial
from typing import Any

from django.db import transaction

from fulfillment.models import Shipment
from shared.outbox import enqueue_soon

from .models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    Notification,
    NotificationKind,
    NotificationStatus,
)

# The kinds whose e-mail lists the parcels to follow.
KINDS_WITH_SHIPMENTS = frozenset(
    {NotificationKind.SHIPPED, NotificationKind.OUT_FOR_DELIVERY, NotificationKind.READY_FOR_PICKUP}
)
# The kinds about one parcel: the one the carrier reported.
KINDS_OF_ONE_SHIPMENT = frozenset(
    {NotificationKind.OUT_FOR_DELIVERY, NotificationKind.READY_FOR_PICKUP}
)


def notification_shipments(order, *, kind: str, context: dict[str, Any]) -> list[dict[str, str]]:
    """The parcels a message about `order` tells the customer to follow, as they are now.

    The final legs (a line-haul leg handed on is followed through its next leg);
    for "out for delivery" and "ready for pickup", the one the carrier reported.
    """
    if kind not in KINDS_WITH_SHIPMENTS:
        return []
    shipments = Shipment.objects.select_related("carrier").filter(
        order=order, next_leg__isnull=True
    )
    tracking_number = context.get("tracking_number")
    if kind in KINDS_OF_ONE_SHIPMENT and tracking_number:
        shipments = shipments.filter(tracking_number=tracking_number)
    legs = [
        {
            "carrier": shipment.carrier.name,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
        }
        for shipment in shipments
    ]
    if not legs and tracking_number:
        # The carrier told us about a shipment we cannot find: still give the number.
        legs = [
            {
                "carrier": context.get("carrier", ""),
                "tracking_number": tracking_number,
                "tracking_url": "",
            }
        ]
    return legs


def notification_record(
    *,
    order,
    kind: NotificationKind,
    context: dict[str, Any] | None = None,
    status: str | None = None,
) -> Notification:
    """Write one customer e-mail for `order` in the current transaction; send it after commit.

    What the e-mail reports is kept with it now: `status` (the status the
    change reached; the order's current one by default), the payment status
    and the parcels to follow, so a message sent after a later change still
    tells this one ("Order shipped" never says "Delivered").

    A non-essential message to a customer who opted out is kept as `skipped`;
    nothing at all goes to a customer whose personal data was erased (`cancelled`).
    """
    context = dict(context or {})
    context["status"] = status or order.status
    context["payment_status"] = order.payment_status
    if kind in KINDS_WITH_SHIPMENTS:
        context["shipments"] = notification_shipments(order, kind=kind, context=context)
    customer = order.customer
    opted_out = customer.marketing_opt_out_at is not None
    if customer.erased_at is not None:
        sending = NotificationStatus.CANCELLED
    elif opted_out and kind not in ESSENTIAL_NOTIFICATION_KINDS:
        sending = NotificationStatus.SKIPPED
    else:
        sending = NotificationStatus.PENDING
    notification = Notification.objects.create(
        order=order, customer=customer, kind=kind, context=context, status=sending
    )
    if sending == NotificationStatus.PENDING:
        transaction.on_commit(partial(_notification_send_soon, notification.pk))
    return notification


def _notification_send_soon(notification_id: int) -> None:
    # By name: notifications.tasks imports the sending side, not this module.
    enqueue_soon("customers.notification_send", notification_id)


def notification_retry(*, notification: Notification) -> None:
    """Put a failed notification back in the queue (from the admin)."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING, lease_until=None, attempts=0, last_error=""
        )
        transaction.on_commit(partial(_notification_send_soon, notification.pk))


notification_retry.alters_data = True
