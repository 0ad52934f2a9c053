"""The customer e-mail outbox: one row per message, written with the change that causes it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ORDER_RECEIVED = "order_received", _("Order received")
    ORDER_CONFIRMED = "order_confirmed", _("Order confirmed")
    SHIPPED = "shipped", _("Order shipped")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    # The carrier left the parcel at a pickup point or locker: the customer must fetch it.
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    DELIVERED = "delivered", _("Order delivered")
    ON_HOLD = "on_hold", _("Order delayed")
    ORDER_RELEASED = "order_released", _("Order moving again")
    CANCELLED = "cancelled", _("Order cancelled")
    AFTER_SALES_OPENED = "after_sales_opened", _("Request opened")
    AFTER_SALES_RESOLVED = "after_sales_resolved", _("Request resolved")
    REFUND_ISSUED = "refund_issued", _("Refund issued")
    # Lines, address, contact or shipping price changed after the order was placed.
    ORDER_EDITED = "order_edited", _("Order changed")
    # The answer to a change the customer asked for on the tracking page.
    CHANGE_REQUEST_DECIDED = "change_request_decided", _("Answer to your request")


# Always sent, whatever the customer's preference: they concern the customer's money
# (an edit changes what is paid or where the parcel goes).
ESSENTIAL_NOTIFICATION_KINDS = frozenset(
    {NotificationKind.CANCELLED, NotificationKind.REFUND_ISSUED, NotificationKind.ORDER_EDITED}
)


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (customer opted out)")
    CANCELLED = "cancelled", _("Cancelled (customer data erased)")


class Notification(models.Model):
    """One customer e-mail: an outbox row written with the change that causes it."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="notifications"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    # What the message is about beyond the order itself (reason, tracking numbers, amount),
    # and what it reports as it was when the change happened ("status",
    # "payment_status", "shipments"): the e-mail is built from these, not from the
    # order as it is when a worker sends it.
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # A worker holds the row until this time while it sends; another skips it.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        # The table it was created in when notifications were part of customers.
        db_table = "customers_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="notification_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.order_id}"
