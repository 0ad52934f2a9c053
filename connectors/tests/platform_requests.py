"""Helpers for the receiving tests: deliveries signed exactly as the platforms sign them."""

import base64
import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from connectors.models import PlatformConnection
from connectors.platform_orders import PlatformOrder
from connectors.services.connections import connection_save
from orders.services import storefront_create

SHOPIFY_SECRET = "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"
WOO_SECRET = "wc-secret: K<&>'\"9"


def sign(secret: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)): what Shopify and WooCommerce both send."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def connected_storefront(
    platform: str = "shopify", *, code: str = "lan", currency: str = "USD", secret: str = ""
) -> PlatformConnection:
    storefront_create(name=f"Lan's {platform} shop", code=code, currency=currency)
    connection, _created = connection_save(
        storefront_code=code,
        platform=platform,
        secret=secret or (SHOPIFY_SECRET if platform == "shopify" else WOO_SECRET),
    )
    return connection


def body_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    return json.dumps(body, separators=(",", ":")).encode()


def shopify_post(
    client,
    body: Any,
    *,
    code: str = "lan",
    topic: str = "orders/create",
    webhook_id: str | None = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    secret: str = SHOPIFY_SECRET,
    signature: str | None = None,
    extra: dict[str, str] | None = None,
):
    raw = body_bytes(body)
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(secret, raw) if signature is None else signature,
        "X-Shopify-Shop-Domain": "lan-shop.myshopify.com",
        "X-Shopify-API-Version": "2024-10",
    }
    if webhook_id is not None:
        headers["X-Shopify-Webhook-Id"] = webhook_id
    headers.update(extra or {})
    headers = {name: value for name, value in headers.items() if value is not None}
    return client.post(
        f"/api/v1/connectors/shopify/{code}/",
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def woo_post(
    client,
    body: Any,
    *,
    code: str = "lan",
    topic: str = "order.created",
    delivery_id: str | None = "0a9e4c1f7b3d5e8a2c6f9b1d4e7a0c3f",
    secret: str = WOO_SECRET,
    signature: str | None = None,
):
    raw = body_bytes(body)
    headers = {
        "X-WC-Webhook-Source": "https://lan-shop.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": topic.split(".")[0],
        "X-WC-Webhook-Event": topic.split(".")[-1],
        "X-WC-Webhook-Signature": sign(secret, raw) if signature is None else signature,
        "X-WC-Webhook-ID": "12",
    }
    if delivery_id is not None:
        headers["X-WC-Webhook-Delivery-ID"] = delivery_id
    return client.post(
        f"/api/v1/connectors/woocommerce/{code}/",
        data=raw,
        content_type="application/json",
        headers=headers,
    )


# -- a stand-in reader, for the apply rules on their own -----------------------------------------


def order_body(**override: Any) -> dict[str, Any]:
    """A platform order already in our terms: what `ours_read` turns into a PlatformOrder."""
    body = {
        "id": 820982911946154508,
        "name": "#1001",
        "currency": "USD",
        "customer": {"email": "lan@example.com", "name": "Lan Nguyen", "phone": "+84901234567"},
        "shipping_address": {
            "name": "Lan Nguyen",
            "line1": "12 Le Loi",
            "line2": "",
            "city": "Ho Chi Minh City",
            "province": "Ho Chi Minh",
            "postal_code": "700000",
            "country": "VN",
            "phone": "+84901234567",
        },
        "lines": [
            {"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "12.50"},
            {"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "8.99"},
        ],
        "shipping_price": "4.00",
        "discount_total": "3.00",
        "tax_total": "2.35",
        "taxes_included": False,
        "payment_method": "card",
        "payment_status": "paid",
        "amount_refunded": "0.00",
        "cancelled": False,
        "updated_at": "2026-12-05T10:00:00+00:00",
    }
    body.update(override)
    if "total" not in override:
        subtotal = sum(
            Decimal(line["unit_price"]) * line["quantity"] for line in body["lines"]
        ) or Decimal("0")
        body["total"] = str(
            subtotal
            - Decimal(body["discount_total"])
            + Decimal(body["shipping_price"])
            + (Decimal("0") if body["taxes_included"] else Decimal(body["tax_total"]))
        )
    return body


def ours_read(payload: dict, *, currency: str) -> PlatformOrder:
    """Read `order_body`'s shape (the real readers' work is tested with the real payloads)."""
    return PlatformOrder(
        platform_order_id=str(payload["id"]),
        platform_reference=payload["name"],
        currency=payload["currency"],
        customer=payload["customer"],
        shipping_address=payload["shipping_address"],
        lines=[{**line, "unit_price": Decimal(line["unit_price"])} for line in payload["lines"]],
        shipping_price=Decimal(payload["shipping_price"]),
        discount_total=Decimal(payload["discount_total"]),
        tax_total=Decimal(payload["tax_total"]),
        taxes_included=payload["taxes_included"],
        total=Decimal(payload["total"]),
        payment_method=payload["payment_method"],
        payment_status=payload["payment_status"],
        amount_refunded=Decimal(payload["amount_refunded"]),
        cancelled=payload["cancelled"],
        updated_at=datetime.fromisoformat(payload["updated_at"]),
    )
