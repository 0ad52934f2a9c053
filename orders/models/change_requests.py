"""What customers ask to change on their order from the tracking page.

A change request is granted at once where the storefront's rule allows it, or
waits in customer care's queue (orders.services.change_requests). Either way
the order itself changes only through the edit and transition services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .orders import Order


class ChangeRequestKind(models.TextChoices):
    ADDRESS = "address", _("Change the delivery address")
    CANCEL_ORDER = "cancel_order", _("Cancel the order")
    CANCEL_ITEMS = "cancel_items", _("Cancel some items")


class ChangeRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for our team")
    APPROVED = "approved", _("Approved")
    # Also an approval that failed because the order had moved on: the note says why.
    REJECTED = "rejected", _("Rejected")
    APPLIED = "applied", _("Applied automatically")


class OrderChangeRequestQuerySet(models.QuerySet):
    def pending(self) -> "OrderChangeRequestQuerySet":
        """Requests still waiting for a decision, oldest first (the queue's order)."""
        return self.filter(status=ChangeRequestStatus.PENDING).order_by("created_at", "id")


class OrderChangeRequest(models.Model):
    """A customer's request to change the delivery address or cancel (all or some items)."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeRequestKind.choices)
    # address: {"shipping_address": {...new}, "shipping_address_before": {...}};
    # cancellations: {"lines": [{"sku", "name", "quantity"}]} (empty for the whole order).
    data = models.JSONField(_("what is asked"), default=dict, blank=True)
    message = models.TextField(_("customer's message"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ChangeRequestStatus.choices,
        default=ChangeRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
        help_text=_("Empty when the storefront's rule applied it at once."),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Told to the customer (the e-mail and the tracking page): a rejection's reason.
    decision_note = models.TextField(_("decision note"), blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrderChangeRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open question per kind: a second form sent meets this index.
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(status="pending"),
                name="change_request_one_pending_per_kind",
            ),
        ]
        indexes = [
            # The queue: pending ones, oldest first.
            models.Index(fields=["status", "created_at", "id"], name="change_request_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.order_id})"

    @property
    def is_cancellation(self) -> bool:
        return self.kind in (ChangeRequestKind.CANCEL_ORDER, ChangeRequestKind.CANCEL_ITEMS)

    @property
    def address(self) -> dict:
        return self.data.get("shipping_address") or {}

    @property
    def address_before(self) -> dict:
        return self.data.get("shipping_address_before") or {}

    @property
    def lines(self) -> list[dict]:
        return self.data.get("lines") or []


def change_request_history_message(event) -> str:
    """How a change request's history row reads to the customer: "Request approved: ..."."""
    kind = event.data.get("kind")
    if kind not in ChangeRequestKind.values:
        return ""
    words = {
        ChangeRequestStatus.PENDING: gettext("Request received: %(kind)s"),
        ChangeRequestStatus.APPROVED: gettext("Request approved: %(kind)s"),
        ChangeRequestStatus.REJECTED: gettext("Request declined: %(kind)s"),
        ChangeRequestStatus.APPLIED: gettext("Request applied: %(kind)s"),
    }.get(event.data.get("status"))
    return words % {"kind": ChangeRequestKind(kind).label} if words else ""
