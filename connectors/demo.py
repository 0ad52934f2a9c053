"""Demo data of the connectors: the global demo storefront is connected to Shopify.

Registered into `orders.demo` from `ConnectorsConfig.ready()`. Once the demo
orders are in, a Shopify delivery arrives through the same receiving and
applying services as real webhooks: an order in a currency the storefront does
not sell in, which fails and waits on the dashboard's platform deliveries for
someone to deal with it. (The demo's orders all come from its stories; a
platform order of the demo's own currency can be sent to the demo connection
with its published secret.)

The demo connection's signing secret is published (README) like the demo
passwords, so that anyone can sign and send their own Shopify webhooks to it.
"""

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from orders.demo.catalogue import GLOBAL_STOREFRONT_CODE
from orders.demo.seeders import DemoSeeder
from orders.models import Storefront

from .models import DeliveryOutcome, Platform, PlatformDelivery
from .services.connections import connection_save
from .services.deliveries import delivery_apply
from .services.receiving import delivery_receive

DEMO_SHOPIFY_SECRET = "demo-shopify-secret"  # noqa: S105 - published demo data
DEMO_SHOP_DOMAIN = "demo-global.myshopify.com"


def demo_shopify_order(*, order_id: int, name: str, currency: str) -> dict[str, Any]:
    """A Shopify order in the documented webhook shape: a discount code, tax added, shipping."""
    return {
        "id": order_id,
        "name": name,
        "order_number": int(name.lstrip("#")),
        "email": "emma.jones@example.com",
        "currency": currency,
        "financial_status": "paid",
        "payment_gateway_names": ["shopify_payments"],
        "taxes_included": False,
        "total_line_items_price": "86.00",
        "total_discounts": "8.60",
        "total_tax": "7.74",
        "total_price": "92.14",
        "updated_at": "2026-12-01T09:30:00+00:00",
        "cancelled_at": None,
        "discount_codes": [{"code": "WELCOME10", "amount": "8.60", "type": "percentage"}],
        "line_items": [
            {
                "id": order_id * 10 + 1,
                "sku": "TEA-LOTUS",
                "title": "Lotus tea",
                "name": "Lotus tea",
                "quantity": 2,
                "price": "18.00",
                "total_discount": "0.00",
                "discount_allocations": [{"amount": "3.60", "discount_application_index": 0}],
            },
            {
                "id": order_id * 10 + 2,
                "sku": "COFFEE-DRIP",
                "title": "Drip coffee set",
                "name": "Drip coffee set",
                "quantity": 1,
                "price": "50.00",
                "total_discount": "0.00",
                "discount_allocations": [{"amount": "5.00", "discount_application_index": 0}],
            },
        ],
        "shipping_lines": [
            {
                "title": "Standard",
                "price": "7.00",
                "discounted_price": "7.00",
                "discount_allocations": [],
            }
        ],
        "customer": {"email": "emma.jones@example.com", "first_name": "Emma", "last_name": "Jones"},
        "shipping_address": {
            "first_name": "Emma",
            "last_name": "Jones",
            "name": "Emma Jones",
            "address1": "221 King Street",
            "address2": "",
            "city": "Sydney",
            "province": "New South Wales",
            "province_code": "NSW",
            "zip": "2000",
            "country": "Australia",
            "country_code": "AU",
            "phone": "+61 2 5550 1234",
        },
    }


def _demo_delivery(connection, *, delivery_id: str, body: dict[str, Any]) -> None:
    """Send `body` as Shopify would (signed, with its headers) and apply it now."""
    if PlatformDelivery.objects.filter(connection=connection, delivery_id=delivery_id).exists():
        return
    raw = json.dumps(body).encode()
    signature = base64.b64encode(
        hmac.new(DEMO_SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest()
    ).decode()
    receipt = delivery_receive(
        connection=connection,
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Webhook-Id": delivery_id,
            "X-Shopify-Shop-Domain": DEMO_SHOP_DOMAIN,
        },
        body=raw,
    )
    # Seeding runs in one transaction: what the commit would schedule is done here.
    if receipt.delivery is not None and receipt.delivery.outcome == DeliveryOutcome.RECEIVED:
        delivery_apply(receipt.delivery.pk)


class ConnectorsDemoSeeder(DemoSeeder):
    name = "connectors"

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        storefront = storefronts[GLOBAL_STOREFRONT_CODE]
        connection, _created = connection_save(
            storefront_code=storefront.code,
            platform=Platform.SHOPIFY,
            secret=DEMO_SHOPIFY_SECRET,
        )
        # A storefront set up in one currency and a shop selling in another: refused.
        other = "VND" if storefront.currency != "VND" else "USD"
        _demo_delivery(
            connection,
            delivery_id="demo-shopify-order-1002",
            body=demo_shopify_order(order_id=5_900_000_001_002, name="#1002", currency=other),
        )
