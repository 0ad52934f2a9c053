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

from shared.outbox import enqueue_soon

from .models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    Notification,
    NotificationKind,
    NotificationStatus,
)

# The order status a status change must reach to tell the customer, and what about.
_KIND_OF_STATUS = {
    "processing": NotificationKind.ORDER_CONFIRMED,
    "shipped": NotificationKind.SHIPPED,
    "delivered": NotificationKind.DELIVERED,
    "on_hold": NotificationKind.ON_HOLD,
    "cancelled": NotificationKind.CANCELLED,
    "post_delivery": NotificationKind.AFTER_SALES_OPENED,
}


def notification_record(
    *, order, kind: NotificationKind, context: dict[str, Any] | None = None
) -> Notification:
    """Write one customer e-mail for `order` in the current transaction; send it after commit.

    A non-essential message to a customer who opted out is kept as `skipped`;
    nothing at all goes to a customer whose personal data was erased (`cancelled`).
    """
    customer = order.customer
    opted_out = customer.marketing_opt_out_at is not None
    if customer.erased_at is not None:
        status = NotificationStatus.CANCELLED
    elif opted_out and kind not in ESSENTIAL_NOTIFICATION_KINDS:
        status = NotificationStatus.SKIPPED
    else:
        status = NotificationStatus.PENDING
    notification = Notification.objects.create(
        order=order, customer=customer, kind=kind, context=context or {}, status=status
    )
    if status == NotificationStatus.PENDING:
        transaction.on_commit(partial(_notification_send_soon, notification.pk))
    return notification


def notifications_for_order_events(order, events) -> list[Notification]:
    """Record the customer e-mails that a change's order events call for (same transaction)."""
    recorded = []
    for event in events:
        if event.event_type == "created":
            recorded.append(notification_record(order=order, kind=NotificationKind.ORDER_RECEIVED))
        elif event.event_type == "status_changed" and event.to_status in _KIND_OF_STATUS:
            if event.transition == "release":
                continue  # back on track: the next real step says so
            context = {"from_status": event.from_status}
            if event.to_status == "on_hold":
                context["hold_reason"] = event.reason
            if event.to_status == "cancelled":
                context["cancel_reason"] = event.reason
            recorded.append(
                notification_record(
                    order=order, kind=_KIND_OF_STATUS[event.to_status], context=context
                )
            )
        elif event.event_type == "payment_changed" and event.transition == "refund_payment":
            recorded.append(
                notification_record(
                    order=order,
                    kind=NotificationKind.REFUND_ISSUED,
                    context={"amount": event.data.get("amount", "")},
                )
            )
    return recorded


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
