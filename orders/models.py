"""Storefronts, orders and their history.

The order lifecycle lives here as two django-fsm state machines on ``Order``:
``status`` (fulfilment) and ``payment_status`` (order to cash). The
transition methods only declare what is legal and change fields of the order
itself; ``orders.services.order_transition`` is the one way to run them
(row lock, permission, version, history row, side effects). A transition that
depends on another app's rows (everything packed, every package shipped) takes
the guards that app registers in ``orders.lifecycle``.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

from .history import customer_message_for
from .lifecycle import registered_guards

MONEY = {"max_digits": 14, "decimal_places": 2}


def generate_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class ManagementMode(models.TextChoices):
    BY_GOODS = "by_goods", _("By goods: teams own product categories")
    DIRECT = "direct", _("Direct: teams own named customers")
    GEOGRAPHIC = "geographic", _("Geographic: teams own regions")
    BY_FUNCTION = "by_function", _("By function: departments own stages")


class StorefrontQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # auto_now is the model's, not the queryset's: set it here too, because
        # order_transition keeps a storefront's row until its updated_at changes.
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class Storefront(models.Model):
    """A sales channel (web shop or marketplace) that sends us orders."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="VND", help_text=_("ISO 4217 code, e.g. VND or USD")
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    # Kept in clear because outgoing webhooks are signed with it (HMAC needs the secret).
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=generate_webhook_secret
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Branding of customer e-mails and pages.
    brand_color = models.CharField(
        _("brand colour"), max_length=7, default="#1f6feb", help_text=_("e.g. #1f6feb")
    )
    support_email = models.EmailField(_("support e-mail"), blank=True)
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=30,
        help_text=_("After this many days a delivered order with nothing open is completed."),
    )
    ships_from_country = models.CharField(
        _("ships from (country)"),
        max_length=2,
        default="VN",
        help_text=_("ISO 3166-1 alpha-2; other destinations get the service level's abroad time"),
    )
    # How `confirm` routes this storefront's orders to teams (see orders.planning).
    management_mode = models.CharField(
        _("management mode"),
        max_length=20,
        choices=ManagementMode.choices,
        default=ManagementMode.BY_FUNCTION,
    )
    default_team = models.ForeignKey(
        "orders.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default team"),
        help_text=_("Gets the orders that no category, customer, region or stage rule places."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StorefrontQuerySet.as_manager()

    class Meta:
        verbose_name = _("storefront")
        verbose_name_plural = _("storefronts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StorefrontAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # Every authenticated request reads the key's storefront: fetch it in the same query.
        return super().get_usable_keys().select_related("storefront")


class StorefrontAPIKey(AbstractAPIKey):
    """An API key of one storefront; only a hash of the key is stored."""

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="api_keys")

    objects = StorefrontAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("storefront API key")
        verbose_name_plural = _("storefront API keys")


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
    """Payment is authorized or paid, or the method lets us ship first."""
    return (
        order.payment_status in (PaymentStatus.AUTHORIZED, PaymentStatus.PAID)
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
    # Grows with every change; clients send it back so a stale view cannot overwrite.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=Decimal("0.00"))
    shipping_price = models.DecimalField(_("shipping price"), **MONEY, default=Decimal("0.00"))
    total = models.DecimalField(_("total"), **MONEY, default=Decimal("0.00"))
    amount_paid = models.DecimalField(_("amount paid"), **MONEY, default=Decimal("0.00"))
    amount_refunded = models.DecimalField(_("amount refunded"), **MONEY, default=Decimal("0.00"))

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
            ("release_order", "Can release orders from hold"),
            ("authorize_payment_order", "Can record payment authorizations"),
            ("capture_payment_order", "Can record payment captures"),
            ("refund_payment_order", "Can record refunds"),
            ("void_payment_order", "Can void payments"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def customer_status_display(self) -> str:
        return str(CUSTOMER_STATUS_NAMES[self.status])

    @property
    def amount_refundable(self) -> Decimal:
        return self.amount_paid - self.amount_refunded

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
        conditions=[registered_guards("ship")],
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
        permission="orders.cancel_order",
    )
    def cancel(self, *, reason: str) -> None:
        """Stop the order before it ships."""
        self.cancel_reason = reason
        self.closed_at = timezone.now()

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

    @transition(
        field=payment_status,
        source=[PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED],
        target=PaymentStatus.PAID,
        conditions=[order_not_cancelled],
        permission="orders.capture_payment_order",
    )
    def capture_payment(self) -> None:
        """The money is ours (captured card, collected cash, settled invoice)."""
        self.amount_paid = self.total

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

    def customer_message(self) -> str:
        """What a customer may read about this event: never notes, staff or costs; "" for none."""
        if self.event_type == OrderEventType.CREATED:
            return str(CUSTOMER_STATUS_NAMES[OrderStatus.RECEIVED])
        if self.event_type == OrderEventType.STATUS_CHANGED:
            message = str(CUSTOMER_STATUS_NAMES.get(self.to_status, self.to_status))
            if self.to_status == OrderStatus.ON_HOLD and self.reason in HoldReason.values:
                message = f"{message}: {HoldReason(self.reason).label}"
            return message
        if (
            self.event_type == OrderEventType.PAYMENT_CHANGED
            and self.transition == "refund_payment"
        ):
            return gettext("Refund issued: %(amount)s %(currency)s") % {
                "amount": self.data.get("amount", ""),
                "currency": self.order.currency,
            }
        # Kinds of the apps built on orders are worded by them (orders.history).
        message = customer_message_for(self.event_type)
        return message(self) if message is not None else ""


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


# -- how work is organised (see orders.planning) -----------------------------------


class Department(models.Model):
    """A part of the business (warehouse, shipping, customer care) that owns stages."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    # For storefronts managed by function: the order statuses this department works on.
    stages = models.JSONField(
        _("stages"),
        default=list,
        blank=True,
        help_text=_('Order statuses it owns, e.g. ["picking", "packing"].'),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """People who work a queue together, with a lead who is alerted about late orders."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="teams", verbose_name=_("department")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """Where orders go, by country and optionally postal-code prefixes; owned by a team."""

    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    postal_code_prefixes = models.CharField(
        _("postal-code prefixes"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated, e.g. 70, 71; empty for the whole country."),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="regions", verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def prefixes(self) -> list[str]:
        return [
            prefix.strip().replace(" ", "").upper()
            for prefix in self.postal_code_prefixes.split(",")
            if prefix.strip()
        ]


class ProductCategory(models.Model):
    """A category of goods (as storefronts name it on order lines), owned by a team."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("As sent in order lines' category.")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="categories", verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceLevel(models.Model):
    """Target business hours per stage for a storefront's orders of one priority."""

    storefront = models.ForeignKey(
        Storefront, on_delete=models.CASCADE, related_name="service_levels"
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    processing_hours = models.DecimalField(_("processing (h)"), max_digits=6, decimal_places=2)
    picking_hours = models.DecimalField(_("picking (h)"), max_digits=6, decimal_places=2)
    packing_hours = models.DecimalField(_("packing (h)"), max_digits=6, decimal_places=2)
    ready_to_ship_hours = models.DecimalField(
        _("ready to ship (h)"), max_digits=6, decimal_places=2
    )
    shipping_hours = models.DecimalField(_("shipping (h)"), max_digits=6, decimal_places=2)
    shipping_hours_abroad = models.DecimalField(
        _("shipping abroad (h)"), max_digits=6, decimal_places=2
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["storefront", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "priority"], name="service_level_unique_per_priority"
            ),
            models.CheckConstraint(
                condition=Q(processing_hours__gt=0)
                & Q(picking_hours__gt=0)
                & Q(packing_hours__gt=0)
                & Q(ready_to_ship_hours__gt=0)
                & Q(shipping_hours__gt=0)
                & Q(shipping_hours_abroad__gt=0),
                name="service_level_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.storefront} · {self.get_priority_display()}"


class Holiday(models.Model):
    """A day the business does not work: no business hours are counted on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SlaAlertKind(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    OVERDUE = "overdue", _("Overdue")


class SlaAlert(models.Model):
    """One breach of a stage's service level: at most one per order, stage and kind."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(_("stage"), max_length=20, choices=OrderStatus.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=SlaAlertKind.choices)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="sla_alerts"
    )
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    # The lead's e-mail is sent from these rows (an outbox): unsent ones are retried.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service-level alert")
        verbose_name_plural = _("service-level alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "stage", "kind"], name="sla_alert_once_per_breach"
            )
        ]
        indexes = [models.Index(fields=["emailed_at"], name="sla_alert_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stage} {self.kind}"


# -- bulk work from the dashboard --------------------------------------------------


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkJob(models.Model):
    """One transition run over many orders in the background, each order on its own."""

    MAX_ORDERS = 500

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    transition = models.CharField(_("transition"), max_length=40)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulkJobStatus.choices, default=BulkJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("orders"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Bulk {self.transition} #{self.pk} ({self.total} orders)"


class BulkJobItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Refused")


class BulkJobItem(models.Model):
    """One order of a bulk job and what happened to it."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BulkJobItemStatus.choices,
        default=BulkJobItemStatus.PENDING,
    )
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job order")
        verbose_name_plural = _("bulk job orders")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "order"], name="bulk_item_order_once_per_job")
        ]
        indexes = [models.Index(fields=["job", "status"], name="bulk_item_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.order_id}: {self.status}"
