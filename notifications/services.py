"""Customer e-mails: an outbox written with each change, sent once by a Celery worker.

`notification_record` runs inside the transaction of the change that causes
the message, so a message exists exactly when the change committed. Sending
claims the row with a lease (one conditional UPDATE), sends, then marks it
sent: a task that runs twice, or at once on two workers, sends once. A beat
sweeper re-queues rows still pending after NOTIFICATION_RESEND_AFTER_SECONDS
(broker down, worker killed mid-send).
"""

import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shared.outages import retry_through_database_outage
from shared.outbox import enqueue_soon

from .models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    Notification,
    NotificationKind,
    NotificationStatus,
)

logger = logging.getLogger(__name__)

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
    from .tasks import notification_send

    enqueue_soon(notification_send, notification_id)


def _lease_seconds() -> float:
    return float(settings.NOTIFICATION_LEASE_SECONDS)


def notification_send_now(notification_id: int) -> Notification | None:
    """Send one pending notification now; None when it was not ours to send.

    Nothing is sent for a row that is sent, failed, skipped, or leased by
    another worker. A failure keeps the row pending for the sweeper until
    NOTIFICATION_MAX_ATTEMPTS, then marks it failed with the error.
    """
    from .emails import notification_message_build

    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id, status=NotificationStatus.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + timedelta(seconds=_lease_seconds()), attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    notification = Notification.objects.select_related(
        "order__storefront", "order__shipping_address", "customer"
    ).get(pk=notification_id)
    if notification.customer.erased_at is not None:
        # Erased while this was queued: the address is gone and nothing may be sent.
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.CANCELLED, lease_until=None
        )
        notification.refresh_from_db()
        return notification
    if (
        notification.customer.marketing_opt_out_at is not None
        and notification.kind not in ESSENTIAL_NOTIFICATION_KINDS
    ):
        # The customer opted out after this was queued: respect it.
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SKIPPED, lease_until=None
        )
        notification.refresh_from_db()
        return notification
    try:
        notification_message_build(notification).send(fail_silently=False)
    except Exception as error:  # any sending failure is recorded, then retried or failed
        final = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:500],
            lease_until=None,
        )
        logger.warning(
            "notification %s (%s) failed on attempt %s: %s",
            notification.pk,
            notification.kind,
            notification.attempts,
            error,
        )
        notification.refresh_from_db()
        return notification
    # Handed to the mail server: a database restart now must not lose that, or the
    # sweeper would send the message again once the lease ran out.
    retry_through_database_outage(
        partial(
            Notification.objects.filter(pk=notification.pk).update,
            status=NotificationStatus.SENT,
            sent_at=timezone.now(),
            lease_until=None,
            last_error="",
        ),
        what=f"notification {notification.pk}: marking it sent",
    )
    notification.refresh_from_db()
    return notification


notification_send_now.alters_data = True


def notifications_due(*, now=None, limit: int = 500) -> list[int]:
    """Return ids of pending notifications older than the resend delay whose lease is free."""
    now = now or timezone.now()
    older_than = now - timedelta(seconds=settings.NOTIFICATION_RESEND_AFTER_SECONDS)
    return list(
        Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lte=older_than)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_retry(*, notification: Notification) -> None:
    """Put a failed notification back in the queue (from the admin)."""
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING, lease_until=None, attempts=0, last_error=""
        )
        transaction.on_commit(partial(_notification_send_soon, notification.pk))


notification_retry.alters_data = True
