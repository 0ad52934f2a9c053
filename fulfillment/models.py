"""Fulfillment: what happens to an order's goods.

Packages (what goes in which box), carriers, shipments and their tracking
events, and after-sales requests. Order status still moves only through
`orders.services.order_transition`; these records are what its conditions
(`mark_ready_to_ship`, `ship`) look at.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class OrderLineQuantity(models.Model):
    """A quantity of one order line: what a package, request or return is about."""

    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="%(class)s_quantity_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"


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
    refund_amount = models.DecimalField(
        _("refund amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    credit_amount = models.DecimalField(
        _("store credit"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    replacement_order = models.OneToOneField(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces_request",
    )
    source = models.CharField(_("opened through"), max_length=20, choices=AfterSalesSource.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # A form's one-time key: the same submission sent twice opens one request.
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "submission_key"],
                condition=~Q(submission_key=""),
                name="after_sales_unique_submission",
            )
        ]
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


class AfterSalesLine(OrderLineQuantity):
    """Which order line, and how many of it, a request is about."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="lines")

    class Meta(OrderLineQuantity.Meta):
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")


class RefundProposalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved and refunded")
    REJECTED = "rejected", _("Rejected")


class RefundProposal(models.Model):
    """A refund customer care proposes when resolving a request; finance or a manager decides.

    Approving it refunds the money through the order's `refund_payment` and
    resolves the request; rejecting it (with a reason) leaves the request for
    care to resolve another way or propose again. At most one waits per request.
    """

    request = models.ForeignKey(
        AfterSalesRequest, on_delete=models.PROTECT, related_name="refund_proposals"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RefundProposalStatus.choices,
        default=RefundProposalStatus.PENDING,
    )
    note = models.TextField(_("note"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("refund proposal")
        verbose_name_plural = _("refund proposals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="pending"),
                name="refund_proposal_one_pending_per_request",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="refund_proposal_amount_positive"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="refund_proposal_queue")]

    def __str__(self) -> str:
        return f"Refund proposal #{self.pk}: {self.amount} {self.currency}"


def after_sales_photo_path(photo: "AfterSalesPhoto", filename: str) -> str:
    # A random name: the customer's file name may say more than we need to keep.
    extension = filename.rsplit(".", 1)[-1].lower()
    return f"after-sales/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class AfterSalesPhoto(models.Model):
    """A customer's photo of the problem, stored privately (served to staff only)."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=after_sales_photo_path)
    content_type = models.CharField(_("content type"), max_length=40)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Photo #{self.pk} of request {self.request_id}"


def generate_carrier_secret() -> str:
    return secrets.token_urlsafe(32)


class Carrier(models.Model):
    """A delivery company: where its tracking pages are, and the secret its webhook sends."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    tracking_url_template = models.CharField(
        _("tracking URL template"),
        max_length=300,
        blank=True,
        help_text=_("With {tracking_number} where the number goes."),
    )
    # Compared with the X-Carrier-Token header of its tracking webhook.
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=generate_carrier_secret
    )
    # What the tracking aggregators call this carrier (AfterShip's courier slug, EasyPost's
    # carrier name): an aggregator's update names one, and a tracking number shared by
    # two carriers is told apart by it (aggregators.matching).
    aftership_slug = models.CharField(
        _("AfterShip courier slug"),
        max_length=64,
        blank=True,
        help_text=_("e.g. ghn, dhl, vnpost; empty: matched by tracking number only"),
    )
    easypost_carrier = models.CharField(
        _("EasyPost carrier"),
        max_length=64,
        blank=True,
        help_text=_("e.g. DHLExpress, USPS; empty: matched by tracking number only"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def tracking_url(self, tracking_number: str) -> str:
        if not self.tracking_url_template:
            return ""
        return self.tracking_url_template.replace("{tracking_number}", tracking_number)


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Label created")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED_ATTEMPT = "failed_attempt", _("Delivery attempt failed")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    EXCEPTION = "exception", _("Delivery problem")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")
    HANDED_OVER = "handed_over", _("Handed over to the last-mile carrier")


class Shipment(models.Model):
    """One tracking number with one carrier, carrying one or more of an order's packages."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED
    )
    # A line-haul shipment handed over to a last-mile carrier has its next leg here.
    previous_leg = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_leg"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The carrier's own estimate, from its tracking events.
    estimated_delivery_date = models.DateField(
        _("carrier's estimated delivery"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_unique_tracking_per_carrier"
            )
        ]
        indexes = [models.Index(fields=["tracking_number"], name="shipment_tracking_number_idx")]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.tracking_number}"

    @property
    def tracking_url(self) -> str:
        return self.carrier.tracking_url(self.tracking_number)


class Package(models.Model):
    """A box: which order lines, and how many of each, went into it."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="packages")
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, null=True, blank=True, related_name="packages"
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    length_mm = models.PositiveIntegerField(_("length (mm)"), null=True, blank=True)
    width_mm = models.PositiveIntegerField(_("width (mm)"), null=True, blank=True)
    height_mm = models.PositiveIntegerField(_("height (mm)"), null=True, blank=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("packed at"), default=timezone.now)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight_grams__gt=0), name="package_weight_positive")
        ]

    def __str__(self) -> str:
        return f"Package #{self.pk} of order {self.order_id}"


class PackageLine(OrderLineQuantity):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="lines")

    class Meta(OrderLineQuantity.Meta):
        verbose_name = _("package line")
        verbose_name_plural = _("package lines")


class OpenPackage(models.Model):
    """The box a packer is filling by scanning, before it is weighed and closed.

    One per order. Its units are not packed yet: closing it makes a `Package`
    through `package_create` (fulfillment.services.scanning), which is what
    `mark_ready_to_ship` counts.
    """

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="open_package"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("open package")
        verbose_name_plural = _("open packages")

    def __str__(self) -> str:
        return f"Open package of order {self.order_id}"


class OpenPackageLine(OrderLineQuantity):
    package = models.ForeignKey(OpenPackage, on_delete=models.CASCADE, related_name="lines")

    class Meta(OrderLineQuantity.Meta):
        verbose_name = _("open package line")
        verbose_name_plural = _("open package lines")
        constraints = [
            *OrderLineQuantity.Meta.constraints,
            models.UniqueConstraint(
                fields=["package", "order_line"], name="open_package_line_once"
            ),
        ]


class TrackingEventStatus(models.TextChoices):
    # The carrier has the parcel's details but not the parcel (a scan for the timeline only).
    INFO_RECEIVED = "info_received", _("Carrier has the parcel's details")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED_ATTEMPT = "failed_attempt", _("Delivery attempt failed")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    # Held at customs, damaged, lost, refused...: the order is held (`delivery_failed`).
    EXCEPTION = "exception", _("Delivery problem")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")


class TrackingSource(models.TextChoices):
    CARRIER = "carrier", _("Carrier webhook")
    AFTERSHIP = "aftership", "AfterShip"
    EASYPOST = "easypost", "EasyPost"


class TrackingEvent(models.Model):
    """What a carrier reported about a shipment; its event id makes repeats harmless."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    carrier_event_id = models.CharField(_("carrier event id"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=TrackingEventStatus.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # The scan's local time at its place, as the carrier gave it (minutes east of UTC);
    # None when the carrier sent UTC only: the page then shows the shop's time zone.
    utc_offset_minutes = models.SmallIntegerField(_("UTC offset (minutes)"), null=True, blank=True)
    source = models.CharField(
        _("reported through"),
        max_length=20,
        choices=TrackingSource.choices,
        default=TrackingSource.CARRIER,
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_event_id"], name="tracking_event_unique_per_carrier"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment}: {self.status}"


class InventoryItem(models.Model):
    """How many of a SKU the warehouse holds, and where pickers find it."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    location = models.CharField(_("location"), max_length=40, help_text=_("e.g. A-03-2"))
    quantity_on_hand = models.PositiveIntegerField(_("on hand"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inventory item")
        verbose_name_plural = _("inventory items")
        ordering = ["location", "sku"]

    def __str__(self) -> str:
        return f"{self.sku} @ {self.location}"


class PickList(models.Model):
    """A printed list for one order, or a wave across many (lines summed per SKU and location)."""

    orders = models.ManyToManyField("orders.Order", related_name="pick_lists")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("pick list")
        verbose_name_plural = _("pick lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Pick list #{self.pk}"


class PickRecord(models.Model):
    """What a picker actually took off the shelf for one order line, and what was missing."""

    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    quantity_picked = models.PositiveIntegerField(_("picked"))
    quantity_short = models.PositiveIntegerField(_("short"), default=0)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    picked_at = models.DateTimeField(_("picked at"), default=timezone.now)

    class Meta:
        verbose_name = _("pick record")
        verbose_name_plural = _("pick records")
        ordering = ["picked_at", "id"]

    def __str__(self) -> str:
        return f"{self.quantity_picked} picked, {self.quantity_short} short"


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=3)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped by supplier")
    RECEIVED = "received", _("Received")
    FAILED = "failed", _("Failed")


class SupplierDelivery(models.TextChoices):
    TO_WAREHOUSE = "warehouse", _("To our warehouse")
    DROP_SHIP = "drop_ship", _("Straight to the customer (drop-ship)")


class SupplierRequest(ConcurrentTransitionMixin, models.Model):
    """Goods asked of a supplier for an order; the order waits while any request is open."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="supplier_requests"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="requests")
    delivery = models.CharField(
        _("delivery"),
        max_length=20,
        choices=SupplierDelivery.choices,
        default=SupplierDelivery.TO_WAREHOUSE,
    )
    status = FSMField(
        _("status"),
        max_length=20,
        choices=SupplierRequestStatus.choices,
        default=SupplierRequestStatus.REQUESTED,
        protected=True,
    )
    expected_at = models.DateTimeField(_("expected at"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True)
    # Set once the request e-mail went out, so a task running twice sends it once.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("supplier request")
        verbose_name_plural = _("supplier requests")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Supplier request #{self.pk} ({self.supplier_id})"

    @property
    def is_open(self) -> bool:
        return self.status not in (SupplierRequestStatus.RECEIVED, SupplierRequestStatus.FAILED)

    @transition(
        field=status,
        source=SupplierRequestStatus.REQUESTED,
        target=SupplierRequestStatus.CONFIRMED,
    )
    def confirm(self) -> None:
        """The supplier will deliver."""

    @transition(
        field=status,
        source=[SupplierRequestStatus.REQUESTED, SupplierRequestStatus.CONFIRMED],
        target=SupplierRequestStatus.SHIPPED,
    )
    def ship(self) -> None:
        """The supplier sent the goods."""

    @transition(
        field=status,
        source=[
            SupplierRequestStatus.REQUESTED,
            SupplierRequestStatus.CONFIRMED,
            SupplierRequestStatus.SHIPPED,
        ],
        target=SupplierRequestStatus.RECEIVED,
    )
    def receive(self) -> None:
        """The goods arrived (at our warehouse, or at the customer for a drop-ship)."""

    @transition(
        field=status,
        source=[
            SupplierRequestStatus.REQUESTED,
            SupplierRequestStatus.CONFIRMED,
            SupplierRequestStatus.SHIPPED,
        ],
        target=SupplierRequestStatus.FAILED,
    )
    def fail(self, *, reason: str) -> None:
        """The supplier cannot deliver."""
        self.failure_reason = reason

    for _method in (confirm, ship, receive, fail):
        _method.alters_data = True
    del _method


class SupplierRequestLine(OrderLineQuantity):
    request = models.ForeignKey(SupplierRequest, on_delete=models.CASCADE, related_name="lines")

    class Meta(OrderLineQuantity.Meta):
        verbose_name = _("supplier request line")
        verbose_name_plural = _("supplier request lines")
