"""A platform's order read into our terms: what the order services take.

INTERFACE between the platforms' readers (`connectors.shopify`, `connectors.woocommerce`:
`order_read(payload: dict, *, currency: str) -> PlatformOrder`, raising
PlatformPayloadError for a body they cannot map) and the service that applies a
delivery (`connectors.services.deliveries`): create, edit, cancel, payment.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class PlatformPayloadError(Exception):
    """The platform's body cannot become an order: says what, for the delivery's error."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class PlatformOrder:
    """One platform order, mapped. Amounts are Decimal in the order's currency."""

    platform_order_id: str  # becomes our external_id (Shopify `id`, WooCommerce `id`)
    platform_reference: str  # the number the shop shows: Shopify `name` "#1001", Woo `number`
    currency: str
    customer: dict[str, str]  # email, name, phone
    shipping_address: dict[
        str, str
    ]  # name, line1, line2, city, province, postal_code, country, phone
    lines: list[dict[str, Any]]  # sku, name, quantity (int), unit_price (Decimal), category
    shipping_price: Decimal
    discount_total: Decimal
    tax_total: Decimal
    taxes_included: bool
    total: Decimal  # the platform's own total: ours must equal it to the cent
    payment_method: str  # "card" | "cod" | "invoice"
    # The platform's payment state mapped onto ours: unpaid, authorized, paid,
    # partially_refunded, refunded or voided.
    payment_status: str
    amount_refunded: Decimal = Decimal("0.00")  # refunded on the platform so far
    cancelled: bool = False  # cancelled (or deleted/trashed) on the platform
    cancel_reason: str = ""
    updated_at: datetime | None = None  # the platform's own last-change time
    notes: list[str] = field(default_factory=list)  # what was read but not mapped, for staff

    @property
    def arrival_payment_status(self) -> str:
        """What the order is created with: creation takes unpaid, authorized or paid only."""
        if self.payment_status in ("paid", "partially_refunded", "refunded"):
            return "paid"
        if self.payment_status == "authorized":
            return "authorized"
        return "unpaid"

    def create_fields(self) -> dict[str, Any]:
        """Keyword arguments of `orders.services.order_create` (add storefront and actor)."""
        return {
            "external_id": self.platform_order_id,
            "platform_reference": self.platform_reference,
            "currency": self.currency,
            "customer": dict(self.customer),
            "shipping_address": dict(self.shipping_address),
            "lines": [dict(line) for line in self.lines],
            "shipping_price": self.shipping_price,
            "discount_total": self.discount_total,
            "tax_total": self.tax_total,
            "taxes_included": self.taxes_included,
            "payment_method": self.payment_method,
            "payment_status": self.arrival_payment_status,
        }
