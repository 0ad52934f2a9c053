"""The order, its lines and its lifecycle.

The order lifecycle lives here as two django-fsm state machines on ``Order``:
``status`` (fulfilment) and ``payment_status`` (order to cash). The
transition methods only declare what is legal and change fields of the order
itself; ``orders.services.order_transition`` is the one way to run them
(row lock, permission, version, history row, side effects). A transition that
depends on another app's rows (everything packed, every package shipped) takes
the guards that app registers in ``orders.lifecycle``.
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from shared.money import format_money

from ..lifecycle import registered_guards
from .storefronts import Storefront

MONEY = {"max_digits": 14, "decimal_places": 2}


class OrderStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Processing")
    PICKING = "picking", _("Picking")
    PACKING = "packing", _("Packing")
    READY_TO_SHIP = "ready_to_ship", _("Ready to ship")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    POST_DELIVERY = "post_delivery", _("Post delivery")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    ON_HOLD = "on_hold", _("On hold")


# What a customer reads for each status (tracking page, e-mails, API status_display).
CUSTOMER_STATUS_NAMES = {
    OrderStatus.RECEIVED: _("Order received"),
    OrderStatus.PROCESSING: _("Awaiting fulfillment"),
    OrderStatus.PICKING: _("Being picked"),
    OrderStatus.PACKING: _("Being packed"),
    OrderStatus.READY_TO_SHIP: _("Ready to ship"),
    OrderStatus.SHIPPED: _("On its way"),
    OrderStatus.DELIVERED: _("Delivered"),
    OrderStatus.POST_DELIVERY: _("Return or request in progress"),
    OrderStatus.COMPLETED: _("Completed"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.ON_HOLD: _("Delayed"),
}

CANCELLABLE_STATUSES = [
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.ON_HOLD,
]
HOLDABLE_STATUSES = [
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
]


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    AUTHORIZED = "authorized", _("Authorized")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")
    VOIDED = "voided", _("Voided")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    CASH_ON_DELIVERY = "cod", _("Cash on delivery")
    INVOICE = "invoice", _("Invoice")


# Methods where goods leave before the money arrives, so confirming may not wait for it.
DEFERRED_PAYMENT_METHODS = {PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.INVOICE}


class HoldReason(models.TextChoices):
    """Why an order is on hold; the label is what the customer is told."""

    STOCK_SHORTAGE = "stock_shortage", _("An item is temporarily out of stock")
    DELIVERY_FAILED = "delivery_failed", _("The carrier could not deliver the parcel")
    PAYMENT_REVIEW = "payment_review", _("The payment is being checked")
    ADDRESS_CHECK = "address_check", _("The delivery address is being checked")
    CUSTOMER_REQUEST = "customer_request", _("Held at your request")
    AWAITING_SUPPLIER = "awaiting_supplier", _("We are waiting for an item from our supplier")
    OTHER = "other", _("The order needs attention from our team")


class OrderQuerySet(models.QuerySet):
    def open(self) -> "OrderQuerySet":
        """Orders still moving: neither completed nor cancelled."""
        return self.exclude(status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED])


def payment_allows_fulfilment(order: "Order") -> bool:
    """Payment is authorized or paid, or the method lets us ship first.

    Partly refunded counts as paid: an edit that lowered the total gave the
    difference back, and the rest is still ours.
    """
    return (
        order.payment_status
        in (PaymentStatus.AUTHORIZED, PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
        or order.payment_method in DEFERRED_PAYMENT_METHODS
    )


payment_allows_fulfilment.refusal = _(
    "Payment must be authorized or paid first (or the payment method must be cash on "
    "delivery or invoice)."
)


def order_not_cancelled(order: "Order") -> bool:
    """No money is taken for a cancelled order."""
    return order.status != OrderStatus.CANCELLED


order_not_cancelled.refusal = _("The order is cancelled; no payment can be taken for it.")


def something_to_capture(order: "Order") -> bool:
    """A paid order is captured again only for the balance an edit left due."""
    return (
        order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
        or order.balance_due > 0
    )


something_to_capture.refusal = _("Nothing is due: the order is paid in full.")


def goods_not_left(order: "Order") -> bool:
    """A held order may be cancelled only if it was held before it shipped."""
    return not (
        order.status == OrderStatus.ON_HOLD and order.held_from_status == OrderStatus.SHIPPED
    )


goods_not_left.refusal = _(
    "The order was held after it shipped; the parcel is with the carrier and cannot be "
    "cancelled. Release it, or open a return after delivery."
)


class BalanceCaptured:
    """A card or invoice order that an edit left with a balance due ships once it is captured.

    Cash on delivery collects the new total at the door, so it is never held back.
    """

    __name__ = "balance_captured"

    def __call__(self, order: "Order") -> bool:
        return not (
            order.payment_method in (PaymentMethod.CARD, PaymentMethod.INVOICE)
            and order.payment_status
            in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
            and order.balance_due > 0
        )

    def explain(self, order: "Order") -> str:
        return gettext("A balance of %(amount)s is still due: capture it before shipping.") % {
            "amount": format_money(order.balance_due, order.currency)
        }


balance_captured = BalanceCaptured()


class Priority(models.TextChoices):
    STANDARD = "standard", _("Standard")
    EXPRESS = "express", _("Express")


class Order(ConcurrentTransitionMixin, models.Model):
    # Unique through Meta.constraints: a unique field would also get a LIKE index on
    # PostgreSQL that no lookup uses (search matches whole numbers) and every insert pays.
    number = models.CharField(_("number"), max_length=20, editable=False)
    # Not indexed alone: the (storefront, ...) indexes below lead with it.
    storefront = models.ForeignKey(
        Storefront, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(
        _("external id"), max_length=100, help_text=_("The storefront's own order id")
    )
    # The number the shop's platform shows its staff and customer (Shopify's "#1001").
    platform_reference = models.CharField(_("platform reference"), max_length=64, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    shipping_address = models.ForeignKey(
        "customers.Address", on_delete=models.PROTECT, related_name="+"
    )

    status = FSMField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.RECEIVED,
        protected=True,
    )
    payment_status = FSMField(
        _("payment status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.UNPAID,
        protected=True,
    )
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices
    )
    # A back-order: quantities split off this order to ship later (orders.services.backorders).
    backorder_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="backorders",
        verbose_name=_("back-order of"),
    )
    # Grows with every change; clients send it back so a stale view cannot overwrite.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=Decimal("0.00"))
    shipping_price = models.DecimalField(_("shipping price"), **MONEY, default=Decimal("0.00"))
    # What the shop took off the goods (coupons, automatic discounts); the total is net of it.
    discount_total = models.DecimalField(_("discounts"), **MONEY, default=Decimal("0.00"))
    # Tax on the order as the shop computed it. With `taxes_included` the prices (and so
    # the total) already hold it and it is shown only; otherwise the total adds it.
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal("0.00"))
    taxes_included = models.BooleanField(_("prices include tax"), default=False)
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0.00"))
    amount_paid = models.DecimalField(_("amount paid"), **MONEY, default=Decimal("0.00"))
    amount_refunded = models.DecimalField(_("amount refunded"), **MONEY, default=Decimal("0.00"))
    # What edits added to a paid order's total and nobody has captured yet. Kept, not
    # derived from amount_paid - amount_refunded: a refund given by hand (goodwill, a
    # return) lowers what was paid without leaving anything due.
    amount_due = models.DecimalField(_("amount due"), **MONEY, default=Decimal("0.00"))

    held_from_status = models.CharField(
        _("held from"), max_length=20, choices=OrderStatus.choices, blank=True
    )
    hold_reason = models.CharField(
        _("hold reason"), max_length=30, choices=HoldReason.choices, blank=True
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)

    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    promised_delivery_date = models.DateField(
        _("promised delivery date"), null=True, blank=True, editable=False
    )
    # Planning (orders.planning): who works on it, and by when each stage is due.
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.STANDARD
    )
    team = models.ForeignKey(
        "orders.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("team"),
        db_index=False,  # order_team_status_idx leads with it
    )
    stage_deadlines = models.JSONField(_("stage due times"), default=dict, blank=True)
    stage_started_at = models.DateTimeField(_("stage started at"), null=True, blank=True)
    stage_at_risk_at = models.DateTimeField(_("stage at risk from"), null=True, blank=True)
    stage_due_at = models.DateTimeField(_("stage due at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="order_number_unique"),
            models.UniqueConstraint(
                fields=["storefront", "external_id"], name="order_unique_external_id_per_storefront"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=models.F("amount_paid")),
                name="order_refund_not_above_paid",
            ),
            models.CheckConstraint(condition=Q(amount_due__gte=0), name="order_due_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_total__gte=0, tax_total__gte=0),
                name="order_discount_tax_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created_idx"),
            models.Index(fields=["storefront", "updated_at"], name="order_store_updated_idx"),
            # Board columns and queues: overdue first, then oldest (their exact order), and
            # the service-level watch (status, due time).
            models.Index(
                fields=["status", "stage_due_at", "placed_at", "id"], name="order_status_due_idx"
            ),
            models.Index(fields=["team", "status"], name="order_team_status_idx"),
            # The API's list: one storefront's orders, newest first (its cursor order).
            models.Index(fields=["storefront", "created_at", "id"], name="order_store_created_idx"),
        ]
        # One permission per transition; the roles in orders.roles group them.
        permissions = [
            ("work_any_team_order", "Can work on every team's orders"),
            ("reassign_order", "Can move orders to another team"),
            ("confirm_order", "Can confirm orders"),
            ("start_picking_order", "Can start picking orders"),
            ("start_packing_order", "Can start packing orders"),
            ("mark_ready_to_ship_order", "Can mark orders ready to ship"),
            ("ship_order", "Can ship orders"),
            ("deliver_order", "Can mark orders delivered"),
            ("open_after_sales_order", "Can open after-sales on orders"),
            ("complete_order", "Can complete orders"),
            ("cancel_order", "Can cancel orders"),
            ("hold_order", "Can put orders on hold"),
            (
                "hold_for_stock_or_address_order",
                "Can put orders on hold for a stock or address problem",
            ),
            ("release_order", "Can release orders from hold"),
            ("authorize_payment_order", "Can record payment authorizations"),
            ("capture_payment_order", "Can record payment captures"),
            ("refund_payment_order", "Can record refunds"),
            ("void_payment_order", "Can void payments"),
            # Changing an order after it was placed (orders.services.edits, backorders).
            ("edit_order", "Can edit orders (lines, address, contact, shipping price)"),
            ("split_order", "Can split orders into back-orders"),
            ("take_order", "Can take orders for customers (phone, chat, counter)"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_status_display(self) -> str:
        return str(CUSTOMER_STATUS_NAMES[self.status])

    @property
    def amount_refundable(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

    @property
    def balance_due(self) -> Decimal:
        """What is still to collect for the order; never negative.

        Unpaid or authorized: the whole total. Paid (or refunded): what edits added
        to the total since the capture (`amount_due`). Voided or cancelled: nothing.
        """
        if self.status == OrderStatus.CANCELLED or self.payment_status == PaymentStatus.VOIDED:
            return Decimal("0.00")
        if self.payment_status in (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED):
            return self.total
        return self.amount_due

    # -- fulfilment lifecycle ------------------------------------------------

    @transition(
        field=status,
        source=OrderStatus.RECEIVED,
        target=OrderStatus.PROCESSING,
        conditions=[payment_allows_fulfilment],
        permission="orders.confirm_order",
    )
    def confirm(self) -> None:
        """Accept the order for fulfilment (orders.planning routes and schedules it)."""
        self.confirmed_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.PROCESSING,
        target=OrderStatus.PICKING,
        permission="orders.start_picking_order",
    )
    def start_picking(self) -> None:
        """Send the order to the pickers."""

    @transition(
        field=status,
        source=OrderStatus.PICKING,
        target=OrderStatus.PACKING,
        conditions=[registered_guards("start_packing")],
        permission="orders.start_packing_order",
    )
    def start_packing(self) -> None:
        """Everything is picked; pack it."""

    @transition(
        field=status,
        source=OrderStatus.PACKING,
        target=OrderStatus.READY_TO_SHIP,
        conditions=[registered_guards("mark_ready_to_ship")],
        permission="orders.mark_ready_to_ship_order",
    )
    def mark_ready_to_ship(self) -> None:
        """Packed and waiting for the carrier."""

    @transition(
        field=status,
        source=OrderStatus.READY_TO_SHIP,
        target=OrderStatus.SHIPPED,
        conditions=[balance_captured, registered_guards("ship")],
        permission="orders.ship_order",
    )
    def ship(self) -> None:
        """Handed over to the carrier."""
        self.shipped_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.SHIPPED,
        target=OrderStatus.DELIVERED,
        permission="orders.deliver_order",
    )
    def deliver(self) -> None:
        """The customer has the goods."""
        self.delivered_at = timezone.now()

    @transition(
        field=status,
        source=OrderStatus.DELIVERED,
        target=OrderStatus.POST_DELIVERY,
        permission="orders.open_after_sales_order",
    )
    def open_after_sales(self) -> None:
        """A return, exchange, complaint or warranty claim is being handled."""

    @transition(
        field=status,
        source=[OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY],
        target=OrderStatus.COMPLETED,
        conditions=[registered_guards("complete")],
        permission="orders.complete_order",
    )
    def complete(self) -> None:
        """Nothing more to do for this order."""
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=CANCELLABLE_STATUSES,
        target=OrderStatus.CANCELLED,
        conditions=[goods_not_left],
        permission="orders.cancel_order",
    )
    def cancel(self, *, reason: str) -> None:
        """Stop the order before it ships (a hold ends with it)."""
        self.cancel_reason = reason
        self.closed_at = timezone.now()
        self.held_from_status = ""
        self.hold_reason = ""

    @transition(
        field=status,
        source=HOLDABLE_STATUSES,
        target=OrderStatus.ON_HOLD,
        permission="orders.hold_order",
    )
    def hold(self, *, reason: str) -> None:
        """Pause the order; `release` returns it to where it was."""
        self.held_from_status = self.status
        self.hold_reason = reason

    @transition(
        field=status,
        source=OrderStatus.ON_HOLD,
        target=RETURN_VALUE(*HOLDABLE_STATUSES),
        permission="orders.release_order",
    )
    def release(self) -> str:
        """Resume the order in the state it was held from."""
        held_from = self.held_from_status
        self.held_from_status = ""
        self.hold_reason = ""
        return held_from

    # -- payment (order to cash) --------------------------------------------

    @transition(
        field=payment_status,
        source=PaymentStatus.UNPAID,
        target=PaymentStatus.AUTHORIZED,
        conditions=[order_not_cancelled],
        permission="orders.authorize_payment_order",
    )
    def authorize_payment(self) -> None:
        """The payment provider reserved the money."""

    # A paid order is captured again for the balance an edit left due; what was
    # refunded stays refunded, so the status stays as it was.
    @transition(
        field=payment_status,
        source=PaymentStatus.PARTIALLY_REFUNDED,
        target=PaymentStatus.PARTIALLY_REFUNDED,
        conditions=[order_not_cancelled, something_to_capture],
        permission="orders.capture_payment_order",
    )
    @transition(
        field=payment_status,
        source=PaymentStatus.PAID,
        target=PaymentStatus.PAID,
        conditions=[order_not_cancelled, something_to_capture],
        permission="orders.capture_payment_order",
    )
    @transition(
        field=payment_status,
        source=[PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED],
        target=PaymentStatus.PAID,
        conditions=[order_not_cancelled],
        permission="orders.capture_payment_order",
    )
    def capture_payment(self) -> None:
        """The money is ours (captured card, collected cash, settled invoice).

        Captured once more, after an edit raised the total, the balance due is
        taken: amount_paid then covers the total plus what was refunded.
        """
        if self.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
            self.amount_paid += self.amount_due
        else:
            self.amount_paid = self.total
        self.amount_due = Decimal("0.00")

    @transition(
        field=payment_status,
        source=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        target=RETURN_VALUE(PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED),
        permission="orders.refund_payment_order",
    )
    def refund_payment(self, *, amount: Decimal) -> str:
        """Give money back; all of what was paid makes the order refunded."""
        self.amount_refunded += amount
        if self.amount_refunded >= self.amount_paid:
            return PaymentStatus.REFUNDED
        return PaymentStatus.PARTIALLY_REFUNDED

    @transition(
        field=payment_status,
        source=[PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED],
        target=PaymentStatus.VOIDED,
        permission="orders.void_payment_order",
    )
    def void_payment(self) -> None:
        """No money will be taken for this order."""

    for _method in (
        confirm,
        start_picking,
        start_packing,
        mark_ready_to_ship,
        ship,
        deliver,
        open_after_sales,
        complete,
        cancel,
        hold,
        release,
        authorize_payment,
        capture_payment,
        refund_payment,
        void_payment,
    ):
        # Templates (admin, dashboard) must never be able to run a transition.
        _method.alters_data = True
    del _method


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=255)
    category = models.CharField(_("category"), max_length=100, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    line_total = models.DecimalField(_("line total"), **MONEY)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_unit_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class IdempotencyKey(models.Model):
    """A storefront's `Idempotency-Key` and the order its first request created.

    Unique per storefront and key: concurrent requests with one key meet at this
    row's unique index, so only one of them can create an order.
    """

    storefront = models.ForeignKey(
        Storefront,
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
        db_index=False,  # the unique (storefront, key) index leads with it
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    # Empty only inside the creating transaction: the key row is written first so
    # that a concurrent request with the same key waits on it.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+", null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "key"], name="idempotency_key_unique_per_storefront"
            )
        ]

    def __str__(self) -> str:
        return self.key
