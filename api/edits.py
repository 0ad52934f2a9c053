"""The bodies and answers of changing an order through the API (api.views runs them).

`POST .../edits/` and `.../cancel/` with `lines`, DESIGN.md "Changing an
order". Only the body's shape is read here; the rules (what may change when,
the money, the history) are `orders.services.edits`'.
"""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from orders.services import OrderEditResult

from .serializers import MONEY, AddressInputSerializer, ErrorSerializer, OrderSerializer

# -- input ---------------------------------------------------------------------------------


class EditLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(
        min_value=0, max_value=100_000, help_text="The line's new quantity; 0 removes it."
    )
    name = serializers.CharField(max_length=255, required=False, help_text="For a new SKU.")
    unit_price = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), required=False, help_text="For a new SKU."
    )
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)


class EditCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)

    def to_internal_value(self, data: Any) -> dict:
        # Said, not silently dropped: a storefront sending it expects it to change.
        if isinstance(data, dict) and "email" in data:
            raise serializers.ValidationError(
                {"email": ["The customer's e-mail cannot be changed."]}
            )
        return super().to_internal_value(data)


EDITABLE_PARTS = (
    "lines",
    "shipping_address",
    "customer",
    "shipping_price",
    "discount_total",
    "tax_total",
)


class OrderEditSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    lines = EditLineSerializer(many=True, required=False, allow_empty=False, max_length=500)
    shipping_address = AddressInputSerializer(required=False)
    customer = EditCustomerSerializer(required=False)
    shipping_price = serializers.DecimalField(**MONEY, min_value=Decimal("0"), required=False)
    discount_total = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), required=False, help_text="The goods' discounts."
    )
    tax_total = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        help_text="The order's tax (added to the total unless the order's prices include it).",
    )

    def validate(self, data: dict) -> dict:
        if not set(EDITABLE_PARTS) & set(data):
            raise serializers.ValidationError(f"Send at least one of {', '.join(EDITABLE_PARTS)}.")
        return data


class CancelLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    lines = CancelLineSerializer(
        many=True,
        required=False,
        allow_empty=False,
        max_length=500,
        help_text="Cancel only these quantities (the order keeps its status); "
        "without `lines` the whole order is cancelled.",
    )


# -- output --------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text='e.g. "lines[MUG-1].quantity", "shipping_address"')
    # "from" is a keyword: the field is named in get_fields.
    to = serializers.CharField()

    def get_fields(self) -> dict:
        fields = super().get_fields()
        fields["from"] = serializers.CharField()
        return fields


class OrderEditedSerializer(OrderSerializer):
    """The order after the edit, with this edit's `changes`."""

    changes = ChangeSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "changes"]


def edit_representation(order: dict, result: OrderEditResult) -> dict:
    """The order's representation with the changes of the edit that produced it."""
    return {**order, "changes": [dict(change) for change in result.changes]}


EDIT_ERRORS = {
    400: "validation_error: the body or a header is invalid (details name each field)",
    401: "not_authenticated",
    403: "permission_denied: staff without orders.edit_order",
    404: "not_found (another storefront's order is not found either)",
    409: "conflict: the order can no longer change so (details name the field or line)",
    412: "precondition_failed: If-Match names an older version",
    415: "unsupported_media_type: send application/json",
    429: "throttled",
}

EDIT_EXAMPLE = OpenApiExample(
    "One mug less, a spoon more",
    request_only=True,
    value={
        "reason": "The customer called",
        "lines": [
            {"sku": "MUG-1", "quantity": 1},
            {"sku": "SPOON-2", "quantity": 2, "name": "Spoon", "unit_price": "15000"},
        ],
    },
)

EDIT_RESPONSES = {
    200: OrderEditedSerializer,
    **{
        code: OpenApiResponse(ErrorSerializer, description=text)
        for code, text in EDIT_ERRORS.items()
    },
}


def order_edit_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """The validated edit body as `order_edit`'s keyword arguments (absent parts: None)."""
    return {
        "reason": data["reason"],
        "lines": [dict(line) for line in data["lines"]] if "lines" in data else None,
        "shipping_address": dict(data["shipping_address"]) if "shipping_address" in data else None,
        "customer": dict(data["customer"]) if "customer" in data else None,
        "shipping_price": data.get("shipping_price"),
        "discount_total": data.get("discount_total"),
        "tax_total": data.get("tax_total"),
    }
