"""An order's history: one row per change, written in the transaction of the change."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shared.money import format_money

from ..history import (
    ORDER_RECEIVED_MESSAGE,
    customer_message_for,
    order_change_message,
    transition_message,
)
from .orders import HoldReason, Order, OrderStatus, PaymentStatus


class OrderEventType(models.TextChoices):
    CREATED = "created", _("Order created")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_CHANGED = "payment_changed", _("Payment changed")
    NOTE = "note", _("Note")
    # Fulfillment's work on the order. Rows written before these kinds existed were
    # notes told apart by their data; migration 0011 gave them their kinds.
    PICK_RECORDED = "pick_recorded", _("Pick recorded")
    PACKAGE_PACKED = "package_packed", _("Package packed")
    SHIPMENT_BOOKED = "shipment_booked", _("Shipment booked")
    SHIPMENT_HANDED_OVER = "shipment_handed_over", _("Shipment handed over")
    CARRIER_SCAN = "carrier_scan", _("Carrier scan")
    AFTER_SALES_OPENED = "after_sales_opened", _("After-sales request opened")
    AFTER_SALES_CHANGED = "after_sales_changed", _("After-sales request changed")
    SUPPLIER_REQUEST = "supplier_request", _("Supplier request")
    # A customer's change request: asked, approved, rejected or applied (orders.services).
    CHANGE_REQUEST = "change_request", _("Change request")


class OrderChannel(models.TextChoices):
    """How a staff member took an order for a customer; kept in the created event's data."""

    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    COUNTER = "counter", _("Shop counter")
    API = "api", _("Staff API")


class OrderEvent(models.Model):
    """One row of an order's history, written in the transaction of the change."""

    # Not indexed alone: order_event_order_at_idx leads with it.
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    event_type = models.CharField(_("type"), max_length=20, choices=OrderEventType.choices)
    transition = models.CharField(_("transition"), max_length=40, blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order_events",
        help_text=_("Empty when the system acted (API, carrier, scheduled task)."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    note = models.TextField(_("internal note"), blank=True)
    customer_visible = models.BooleanField(_("customer visible"), default=False)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order_at_idx")]

    def __str__(self) -> str:
        if self.from_status:
            return f"{self.transition}: {self.from_status} → {self.to_status}"
        return str(self.get_event_type_display())

    def headline(self) -> str:
        """What happened, in people's words ("Payment authorized"), for staff and customers."""
        if self.event_type == OrderEventType.CREATED:
            return str(ORDER_RECEIVED_MESSAGE)
        if self.event_type == OrderEventType.NOTE and order_change_message(self.data.get("kind")):
            return order_change_message(self.data["kind"])
        return transition_message(self.transition) or str(self.get_event_type_display())

    def channel_display(self) -> str:
        """How staff took this order ("Phone"), on its created event; "" for any other row."""
        channel = (
            (self.data or {}).get("channel") if self.event_type == OrderEventType.CREATED else None
        )
        return str(OrderChannel(channel).label) if channel in OrderChannel.values else ""

    def change_display(self) -> str:
        """The change of state as people name the states ("Received → Processing"), or ""."""
        if not (self.from_status and self.to_status):
            return ""
        choices = (
            PaymentStatus if self.event_type == OrderEventType.PAYMENT_CHANGED else OrderStatus
        )
        labels = dict(choices.choices)
        return (
            f"{labels.get(self.from_status, self.from_status)} → "
            f"{labels.get(self.to_status, self.to_status)}"
        )

    def customer_message(self) -> str:
        """What a customer may read about this event: never notes, staff or costs; "" for none."""
        if self.event_type == OrderEventType.CREATED:
            return self.headline()
        if self.event_type == OrderEventType.STATUS_CHANGED:
            message = self.headline()
            if self.to_status == OrderStatus.ON_HOLD and self.reason in HoldReason.values:
                message = f"{message}: {HoldReason(self.reason).label}"
            return message
        if (
            self.event_type == OrderEventType.PAYMENT_CHANGED
            and self.transition == "refund_payment"
        ):
            return gettext("Refund issued: %(amount)s") % {
                "amount": format_money(self.data.get("amount", ""), self.order.currency),
            }
        if self.event_type == OrderEventType.NOTE and order_change_message(self.data.get("kind")):
            # An edit of the order: its kind, never the staff's note or reason.
            return order_change_message(self.data["kind"])
        # Kinds of the apps built on orders are worded by them (orders.history).
        message = customer_message_for(self.event_type)
        return message(self) if message is not None else ""
