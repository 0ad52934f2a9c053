"""Fulfillment: what happens to an order's goods. For now, after-sales requests.

Pick lists, packages, carriers, shipments and tracking events join this app
with the fulfillment work; after-sales requests come first because the
storefront API opens them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class AfterSalesKind(models.TextChoices):
    RETURN = "return", _("Return")
    EXCHANGE = "exchange", _("Exchange")
    COMPLAINT = "complaint", _("Complaint")
    WARRANTY = "warranty", _("Warranty claim")


class AfterSalesStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ITEM_RECEIVED = "item_received", _("Item received")
    RESOLVED = "resolved", _("Resolved")


class AfterSalesResolution(models.TextChoices):
    REFUND = "refund", _("Refund")
    REPLACEMENT = "replacement", _("Replacement")
    CREDIT = "credit", _("Store credit")


class AfterSalesSource(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront API")
    CUSTOMER = "customer", _("Customer (tracking page)")
    STAFF = "staff", _("Staff")


class AfterSalesRequest(ConcurrentTransitionMixin, models.Model):
    """A return, exchange, complaint or warranty claim about a delivered order."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="after_sales_requests"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AfterSalesKind.choices)
    reason = models.TextField(_("reason"))
    status = FSMField(
        _("status"),
        max_length=20,
        choices=AfterSalesStatus.choices,
        default=AfterSalesStatus.OPEN,
        protected=True,
    )
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=AfterSalesResolution.choices, blank=True
    )
    source = models.CharField(_("opened through"), max_length=20, choices=AfterSalesSource.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-id"]
        permissions = [("handle_aftersalesrequest", "Can approve, reject and resolve requests")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} for {self.order_id}"

    @property
    def is_settled(self) -> bool:
        return self.status in (AfterSalesStatus.REJECTED, AfterSalesStatus.RESOLVED)

    @transition(
        field=status,
        source=AfterSalesStatus.OPEN,
        target=AfterSalesStatus.APPROVED,
        permission="fulfillment.handle_aftersalesrequest",
    )
    def approve(self) -> None:
        """Accept the request; goods (if any) may now come back."""

    @transition(
        field=status,
        source=AfterSalesStatus.OPEN,
        target=AfterSalesStatus.REJECTED,
        permission="fulfillment.handle_aftersalesrequest",
    )
    def reject(self) -> None:
        """Decline the request."""

    @transition(
        field=status,
        source=AfterSalesStatus.APPROVED,
        target=AfterSalesStatus.ITEM_RECEIVED,
        permission="fulfillment.handle_aftersalesrequest",
    )
    def receive_item(self) -> None:
        """The returned goods are back in the warehouse."""

    @transition(
        field=status,
        source=AfterSalesStatus.ITEM_RECEIVED,
        target=AfterSalesStatus.RESOLVED,
        permission="fulfillment.handle_aftersalesrequest",
    )
    def resolve(self, *, resolution: str) -> None:
        """Settle with a refund, a replacement or store credit."""
        self.resolution = resolution

    for _method in (approve, reject, receive_item, resolve):
        _method.alters_data = True
    del _method


class AfterSalesLine(models.Model):
    """Which order line, and how many of it, a request is about."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="after_sales_line_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"
