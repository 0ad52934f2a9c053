"""Sending the customer e-mail outbox: once per row, whatever runs twice or at once.

Sending claims the row with a lease (one conditional UPDATE), sends, then
marks it sent: a task that runs twice, or at once on two workers, sends once.
`notifications_due` is what the beat sweeper re-queues (broker down, worker
killed mid-send). The Celery tasks in notifications.tasks call these.
"""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from shared.outages import retry_through_database_outage

from .emails import notification_message_build
from .models import ESSENTIAL_NOTIFICATION_KINDS, Notification, NotificationStatus

logger = logging.getLogger(__name__)


def _lease_seconds() -> float:
    return float(settings.NOTIFICATION_LEASE_SECONDS)


def notification_send_now(notification_id: int) -> Notification | None:
    """Send one pending notification now; None when it was not ours to send.

    Nothing is sent for a row that is sent, failed, skipped, or leased by
    another worker. A failure keeps the row pending for the sweeper until
    NOTIFICATION_MAX_ATTEMPTS, then marks it failed with the error.
    """
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
