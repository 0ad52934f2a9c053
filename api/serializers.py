"""Shapes of the storefront API: what comes in (checked here) and what goes out.

Serializers check shape and types; business rules (currency of the storefront,
totals, transitions) live in the services, which raise `OrderError`s.
"""

import copy
import functools
from decimal import Decimal

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from fulfillment.models import (
    AfterSalesKind,
    AfterSalesRequest,
    Package,
    Shipment,
    SupplierDelivery,
    TrackingEventStatus,
)
from orders.links import tracking_url
from orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
)
from shared.money import ISO_4217_CODES

# Money in: any decimal; how many places it may have depends on the currency
# (VND none, USD two), which the services check once for every face
# (shared.money.amount_in_minor_units), refusing rather than rounding.
MONEY = {"max_digits": None, "decimal_places": None}


class ModelOutputSerializer(serializers.ModelSerializer):
    """A ModelSerializer that reads its model's fields once per class, not per instance.

    ModelSerializer.get_fields() introspects the model on every instantiation; an
    order's answer builds six of them, and that was a third of creating an order
    through the API. The fields depend only on the class, so a deep copy of the
    first result (fresh, unbound field objects) is the same thing, cheaper.
    """

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        fields = cls.__dict__.get("_fields_once")
        if fields is None:
            fields = super().get_fields()
            cls._fields_once = fields
        return copy.deepcopy(fields)


# -- input ---------------------------------------------------------------------


class CustomerInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[code for code, _ in settings.LANGUAGES], required=False
    )


class AddressInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=255)
    line2 = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=120)
    province = serializers.CharField(
        max_length=120,
        required=False,
        allow_blank=True,
        default="",
        help_text="State or province, e.g. HCM or CA.",
    )
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.RegexField(
        r"^[A-Za-z]{2}$",
        help_text="ISO 3166-1 alpha-2 country code, e.g. VN.",
        error_messages={"invalid": "Use a two-letter ISO 3166-1 country code, e.g. VN."},
    )
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate_country(self, value: str) -> str:
        return value.upper()


class LineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=255)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = serializers.DecimalField(**MONEY, min_value=Decimal("0.01"))
    category = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class OrderCreateSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    currency = serializers.CharField(min_length=3, max_length=3)
    customer = CustomerInputSerializer()
    shipping_address = AddressInputSerializer()
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=500)
    shipping_price = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), required=False, default=Decimal("0")
    )
    discount_total = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        default=Decimal("0"),
        help_text="Discounts on the goods; the total is net of them.",
    )
    tax_total = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        default=Decimal("0"),
        help_text="Tax on the order. Added to the total unless taxes_included.",
    )
    taxes_included = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The unit and shipping prices already include tax_total.",
    )
    platform_reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="The order number the shop's platform shows, e.g. #1001.",
    )
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    payment_status = serializers.ChoiceField(
        choices=[PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED, PaymentStatus.PAID],
        required=False,
        default=PaymentStatus.UNPAID,
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        default=Priority.STANDARD,
        help_text="Express orders get the storefront's express service level.",
    )
    storefront = serializers.SlugField(
        max_length=40,
        required=False,
        help_text="Staff tokens only (with the take_order permission): the code of the "
        "storefront the order is for. A storefront key may leave it out or name itself.",
    )

    def validate_currency(self, value: str) -> str:
        # Whether it is the storefront's own currency is the service's rule (order_create).
        value = value.upper()
        if value not in ISO_4217_CODES:
            raise serializers.ValidationError(f"'{value}' is not an ISO 4217 currency code.")
        return value


def order_create_validate(data: object) -> dict:
    """The create body's validated data, or a ValidationError (400) naming each bad field.

    What OrderCreateSerializer(data=data).is_valid(raise_exception=True) checks,
    without building the serializer and deep-copying its nested fields anew for
    every order: one bound instance validates them all. Checking keeps no state
    on the serializer or its fields, so threads may share it; it reads no context.
    """
    try:
        return _shared_serializer(OrderCreateSerializer).run_validation(data)
    except serializers.ValidationError as error:
        if isinstance(error.detail, dict):
            raise
        # A body that is not an object at all (JSON null): is_valid() words it so too.
        raise serializers.ValidationError(
            {api_settings.NON_FIELD_ERRORS_KEY: ["No data provided."]}
        ) from None


class SplitLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(
        min_value=1, max_value=100_000, help_text="Units of this SKU to move to the back-order."
    )


class OrderSplitSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    lines = SplitLineInputSerializer(many=True, allow_empty=False, max_length=500)


class AfterSalesLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class AfterSalesCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AfterSalesKind.choices)
    reason = serializers.CharField(max_length=2000)
    lines = AfterSalesLineInputSerializer(many=True, required=False, default=list, max_length=500)


class PackageLineInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class SupplierRequestCreateSerializer(serializers.Serializer):
    supplier = serializers.IntegerField(min_value=1, help_text="The supplier's id.")
    delivery = serializers.ChoiceField(choices=SupplierDelivery.choices)
    lines = PackageLineInputSerializer(many=True, allow_empty=False, max_length=500)


class PickInputSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(
        min_value=0, max_value=100_000, help_text="Units taken off the shelf."
    )
    short = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        default=0,
        help_text="Units the picker found missing; recorded short, and the order is held.",
    )


class PicksSerializer(serializers.Serializer):
    picks = PickInputSerializer(many=True, allow_empty=False, max_length=500)


class PickRecordSerializer(serializers.Serializer):
    sku = serializers.CharField(source="order_line.sku")
    quantity_picked = serializers.IntegerField()
    quantity_short = serializers.IntegerField()


class PickListCreateSerializer(serializers.Serializer):
    orders = serializers.ListField(
        child=serializers.CharField(max_length=20), allow_empty=False, max_length=500
    )


class PickListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    orders = serializers.ListField(child=serializers.CharField())
    print_url = serializers.CharField()


class PackageCreateSerializer(serializers.Serializer):
    lines = PackageLineInputSerializer(many=True, allow_empty=False, max_length=500)
    weight_grams = serializers.IntegerField(min_value=1, max_value=10_000_000)
    length_mm = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    width_mm = serializers.IntegerField(min_value=1, max_value=100_000, required=False)
    height_mm = serializers.IntegerField(min_value=1, max_value=100_000, required=False)


class ShipmentCreateSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=40, help_text="The carrier's code, e.g. ghn.")
    tracking_number = serializers.CharField(max_length=100)
    packages = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=500,
        required=False,
        default=list,
        help_text="The packages this shipment carries (not with previous_leg).",
    )
    previous_leg = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Hand this line-haul shipment over to a last-mile carrier: its packages "
        "move to the new shipment.",
    )

    def validate(self, data: dict) -> dict:
        if data["previous_leg"] is None and not data["packages"]:
            raise serializers.ValidationError({"packages": ["Name at least one package."]})
        if data["previous_leg"] is not None and data["packages"]:
            raise serializers.ValidationError(
                {"packages": ["Leave out packages when handing over a previous leg."]}
            )
        return data


class CarrierEventSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=100)
    tracking_number = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=TrackingEventStatus.choices)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    estimated_delivery_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The carrier's current delivery estimate, shown to the customer.",
    )


class CarrierEventAnswerSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    recorded = serializers.BooleanField(help_text="False when this event id was already known.")
    shipment_status = serializers.CharField()
    order_status = serializers.CharField()


class TransitionRunSerializer(serializers.Serializer):
    transition = serializers.CharField(max_length=40)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    amount = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)


# -- output --------------------------------------------------------------------


class OrderLineSerializer(ModelOutputSerializer):
    class Meta:
        model = OrderLine
        fields = ["sku", "name", "category", "quantity", "unit_price", "line_total"]


class CustomerSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    province = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField()


class ShipmentSerializer(ModelOutputSerializer):
    carrier = serializers.CharField(source="carrier.code")
    tracking_url = serializers.CharField()
    packages = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "status",
            "packages",
            "previous_leg",
        ]

    def get_packages(self, shipment: Shipment) -> list[int]:
        return [package.pk for package in shipment.packages.all()]


class PackageLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="order_line.sku")
    quantity = serializers.IntegerField()


class PackageSerializer(ModelOutputSerializer):
    lines = PackageLineSerializer(many=True)
    shipment = serializers.IntegerField(source="shipment_id", allow_null=True)

    class Meta:
        model = Package
        fields = [
            "id",
            "weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
            "lines",
            "shipment",
            "created_at",
        ]


# The event types v1 published; kinds added since (fulfillment's work, typed in the
# history) are still "note" here, as they were when the history called them notes.
V1_EVENT_TYPES = frozenset(
    {
        OrderEventType.CREATED,
        OrderEventType.STATUS_CHANGED,
        OrderEventType.PAYMENT_CHANGED,
        OrderEventType.NOTE,
    }
)


class EventTypeField(serializers.CharField):
    """An order event's type as v1 names it."""

    def to_representation(self, value) -> str:
        return str(value) if value in V1_EVENT_TYPES else str(OrderEventType.NOTE)


class OrderEventSerializer(ModelOutputSerializer):
    type = EventTypeField(source="event_type")
    at = serializers.DateTimeField(source="created_at")
    message = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = ["type", "from_status", "to_status", "at", "message"]

    def get_message(self, event: OrderEvent) -> str:
        return event.customer_message()


class AfterSalesLineSerializer(serializers.Serializer):
    sku = serializers.CharField(source="order_line.sku")
    quantity = serializers.IntegerField()


class SupplierRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.CharField(source="order.number")
    supplier = serializers.CharField(source="supplier.name")
    delivery = serializers.CharField()
    status = serializers.CharField()
    lines = AfterSalesLineSerializer(many=True)


class AfterSalesRequestSerializer(ModelOutputSerializer):
    order = serializers.CharField(source="order.number")
    lines = AfterSalesLineSerializer(many=True)

    class Meta:
        model = AfterSalesRequest
        fields = ["id", "order", "kind", "reason", "status", "resolution", "lines", "created_at"]


class OrderSummarySerializer(ModelOutputSerializer):
    status_display = serializers.CharField(source="customer_status_display")
    backorder_of = serializers.SerializerMethodField(
        help_text="The number of the order this back-order was split from, or null."
    )
    backorders = serializers.SerializerMethodField(
        help_text="Numbers of the back-orders split from this order, oldest first."
    )

    class Meta:
        model = Order
        fields = [
            "number",
            "external_id",
            "status",
            "status_display",
            "payment_status",
            "payment_method",
            "priority",
            "currency",
            "total",
            "version",
            "backorder_of",
            "backorders",
            "created_at",
            "updated_at",
        ]

    def get_backorder_of(self, order: Order) -> str | None:
        if order.backorder_of_id is None:
            return None
        # Read with the order by the API's selectors (order_queryset_for_api); else one query.
        number = getattr(order, "backorder_of_number", None)
        return number if number is not None else order.backorder_of.number

    def get_backorders(self, order: Order) -> list[str]:
        # Prefetched by the API's selectors, oldest first.
        return [backorder.number for backorder in order.backorders.all()]


class OrderSerializer(OrderSummarySerializer):
    # What is still to collect: the total until paid, what an edit added since (never < 0).
    balance_due = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    lines = OrderLineSerializer(many=True)
    customer = CustomerSerializer()
    shipping_address = AddressSerializer()
    shipments = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    after_sales_requests = AfterSalesRequestSerializer(many=True)
    tracking_url = serializers.SerializerMethodField()

    class Meta(OrderSummarySerializer.Meta):
        fields = [
            *OrderSummarySerializer.Meta.fields,
            "platform_reference",
            "subtotal",
            "discount_total",
            "tax_total",
            "taxes_included",
            "shipping_price",
            "amount_paid",
            "amount_refunded",
            "balance_due",
            "lines",
            "customer",
            "shipping_address",
            "shipments",
            "events",
            "after_sales_requests",
            "tracking_url",
            "placed_at",
            "promised_delivery_date",
        ]

    @extend_schema_field(ShipmentSerializer(many=True))
    def get_shipments(self, order: Order) -> list:
        shipments = _shared_serializer(ShipmentSerializer)
        return [shipments.to_representation(shipment) for shipment in order.shipments.all()]

    @extend_schema_field(OrderEventSerializer(many=True))
    def get_events(self, order: Order) -> list:
        events = _shared_serializer(OrderEventSerializer)
        return [events.to_representation(e) for e in order.events.all() if e.customer_visible]

    def get_tracking_url(self, order: Order) -> str:
        return tracking_url(order)


@functools.cache
def _shared_serializer(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    # One instance per class, its fields bound once. Only for to_representation() and
    # run_validation(), which keep no state between calls, so threads may share it,
    # and only for serializers that read nothing from a context.
    return serializer_class()


def order_representation(order: Order) -> dict:
    """What OrderSerializer(order).data gives, without building the serializer anew.

    Building it (fields, nested serializers and their fields) cost more than
    filling it; the API answers with an order detail on every write.
    """
    return _shared_serializer(OrderSerializer).to_representation(order)


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    needs_reason = serializers.BooleanField()
    reason_choices = serializers.ListField(child=serializers.CharField())
    takes_amount = serializers.BooleanField()


class TransitionListSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    version = serializers.IntegerField()
    transitions = TransitionOptionSerializer(many=True)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
