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
