"""End to end: the platforms' own bodies, signed as they sign them, through the HTTP endpoint.

Each delivery is posted to `/api/v1/connectors/<platform>/<code>/` with the
platform's headers and base64 HMAC-SHA256 of the exact bytes; what was scheduled
after commit (the apply task, in process) runs before the assertions.
"""

import json
from decimal import Decimal

import pytest

from connectors import shopify, woocommerce
from connectors.models import DeliveryOutcome, PlatformDelivery
from connectors.services.deliveries import delivery_reapply
from connectors.tests.payloads import payload_bytes, payload_load
from orders.models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import MANAGER
from orders.tests.factories import order_pick_everything, order_step, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind

from .platform_requests import connected_storefront, shopify_post, woo_post

pytestmark = pytest.mark.django_db

_ids = iter(range(1, 10**6))


def deliver(client, capture, body, *, topic, woo=False, code="lan", delivery_id=None):
    """Post one delivery as the platform would and run what its commit scheduled."""
    raw = body if isinstance(body, bytes) else json.dumps(body, indent=2).encode()
    delivery_id = delivery_id or f"d-{next(_ids)}"
    with capture(execute=True):
        if woo:
            response = woo_post(client, raw, code=code, topic=topic, delivery_id=delivery_id)
        else:
            response = shopify_post(client, raw, code=code, topic=topic, webhook_id=delivery_id)
    assert response.status_code == 200, response.content
    return PlatformDelivery.objects.order_by("-id").first()


def assert_ledger_equals_payments(order: Order) -> None:
    order = Order.objects.get(pk=order.pk)
    earned = (
        LedgerKind.COD_COLLECTED
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY
        else LedgerKind.REVENUE
    )
    assert ledger_balance(order, earned) == order.amount_paid
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded


@pytest.fixture
def shop(db):
    return connected_storefront("shopify", code="lan", currency="USD")


def shopify_changed(**changes) -> dict:
    body = payload_load("shopify_order_paid")
    body.update(changes)
    return body


def test_a_shopify_order_arrives_to_the_cent_with_its_lines_customer_and_number(
    shop, client, django_capture_on_commit_callbacks
):
    delivery = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_paid"),
        topic="orders/create",
    )

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(storefront=shop.storefront, external_id="6512003334455")
    assert delivery.order == order
    assert order.total == Decimal("125.07")
    assert order.platform_reference == "#1042"
    assert order.payment_status == PaymentStatus.PAID
    assert order.customer.email == "maria.lopez@example.com"
    assert sorted((line.sku, line.quantity, line.unit_price) for line in order.lines.all()) == [
        ("AERO-01", 2, Decimal("39.95")),
        ("BEAN-ETH-250", 3, Decimal("14.50")),
    ]
    assert order.shipping_address.province == "NY"
    assert delivery.platform_updated_at is not None
    assert_ledger_equals_payments(order)


def test_the_same_delivery_twice_changes_nothing(shop, client, django_capture_on_commit_callbacks):
    raw = payload_bytes("shopify_order_paid")
    deliver(client, django_capture_on_commit_callbacks, raw, topic="orders/create", delivery_id="x")
    events = OrderEvent.objects.count()

    deliver(client, django_capture_on_commit_callbacks, raw, topic="orders/create", delivery_id="x")

    assert Order.objects.count() == 1
    assert PlatformDelivery.objects.count() == 1
    assert OrderEvent.objects.count() == events


def test_a_shopify_cash_on_delivery_order_is_cod_and_unpaid(
    db, client, django_capture_on_commit_callbacks
):
    connected_storefront("shopify", code="lan-vn", currency="VND")
    delivery = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_cod_vnd"),
        topic="orders/create",
        code="lan-vn",
    )

    order = delivery.order
    assert order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.total == Decimal("600000")
    assert order.platform_reference == "#1043"


def test_a_shopify_update_becomes_an_edit_with_its_history_and_the_money_follows(
    shop, client, django_capture_on_commit_callbacks
):
    deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_paid"),
        topic="orders/create",
    )
    changed = shopify_changed(updated_at="2026-12-05T10:30:00-05:00")
    changed["line_items"][1]["quantity"] = changed["line_items"][1]["current_quantity"] = 2
    changed["total_price"] = changed["total_price_set"]["shop_money"]["amount"] = "110.57"
    changed["shipping_address"].update(address1="1 Main St", city="Brooklyn", zip="11201")

    delivery = deliver(client, django_capture_on_commit_callbacks, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(pk=delivery.order_id)
    assert {line.sku: line.quantity for line in order.lines.all()}["BEAN-ETH-250"] == 2
    assert (order.shipping_address.line1, order.shipping_address.city) == ("1 Main St", "Brooklyn")
    assert order.total == Decimal("110.57")
    edit = OrderEvent.objects.get(order=order, reason="Changed on Shopify (#1042)")
    assert {change["field"] for change in edit.data["changes"]} >= {
        "lines[BEAN-ETH-250].quantity",
        "shipping_address",
    }
    # Paid for 125.07 and now worth 110.57: the difference went back, in the ledger too.
    assert order.amount_refunded == Decimal("14.50")
    assert_ledger_equals_payments(order)


def test_a_shopify_update_after_packing_started_is_refused_flagged_and_changes_nothing(
    shop, client, django_capture_on_commit_callbacks
):
    created = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_paid"),
        topic="orders/create",
    )
    order = created.order
    for step in ("confirm", "start_picking"):
        order = order_step(order, step)
    order = order_step(order_pick_everything(order), "start_packing")
    changed = shopify_changed(updated_at="2026-12-05T10:30:00-05:00")
    changed["line_items"][1]["quantity"] = 2
    changed["total_price"] = changed["total_price_set"]["shop_money"]["amount"] = "110.57"

    delivery = deliver(client, django_capture_on_commit_callbacks, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.REFUSED
    assert delivery.needs_attention
    assert delivery.error.count("Packing has started") == 1  # said once, for staff to read
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.total, fresh.version, fresh.status) == (order.total, order.version, "packing")


def test_a_shopify_refund_becomes_our_refund_and_the_ledger_follows(
    shop, client, django_capture_on_commit_callbacks
):
    deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_paid"),
        topic="orders/create",
    )
    refunded = payload_load("shopify_order_partially_refunded")

    delivery = deliver(client, django_capture_on_commit_callbacks, refunded, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = delivery.order
    mapped = shopify.order_read(refunded, currency="USD")
    assert order.amount_refunded == mapped.amount_refunded > 0
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert_ledger_equals_payments(order)


def test_shopify_orders_cancelled_cancels_our_order(
    shop, client, django_capture_on_commit_callbacks
):
    deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_order_paid"),
        topic="orders/create",
    )
    cancelled = shopify_changed(
        cancelled_at="2026-12-05T11:00:00-05:00",
        cancel_reason="customer",
        updated_at="2026-12-05T11:00:01-05:00",
    )

    delivery = deliver(
        client, django_capture_on_commit_callbacks, cancelled, topic="orders/cancelled"
    )

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = delivery.order
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason.startswith("Cancelled on Shopify")
    assert order.cancel_reason.endswith("(#1042).")
    assert_ledger_equals_payments(order)


def test_shopifys_own_sample_orders_create_becomes_a_cancelled_order_to_the_cent(
    shop, client, django_capture_on_commit_callbacks
):
    # Shopify's "Send test notification" body: two lines of one SKU, a 5.00
    # discount, 10.00 shipping, and cancelled_at already set.
    delivery = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("shopify_sample_orders_create"),
        topic="orders/create",
    )

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(external_id="820982911946154508")
    assert order.total == Decimal("403.00")
    assert order.platform_reference == "#9999"
    assert sum(line.quantity for line in order.lines.all()) == 2
    assert {line.sku for line in order.lines.all()} == {"IPOD2008PINK"}
    assert order.customer.email == "jon@example.com"
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == (
        "Cancelled on Shopify: the customer changed or cancelled the order (#9999)."
    )


def test_a_woocommerce_order_arrives_and_order_deleted_cancels_it(
    db, client, django_capture_on_commit_callbacks
):
    connected_storefront("woocommerce", code="lan", currency="USD")
    created = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("woocommerce_order_processing"),
        topic="order.created",
        woo=True,
    )
    assert created.outcome == DeliveryOutcome.APPLIED, created.error
    mapped = woocommerce.order_read(payload_load("woocommerce_order_processing"), currency="USD")
    assert created.order.total == mapped.total == Decimal("117.92")
    assert created.order.platform_reference == "4821"

    deleted = deliver(
        client, django_capture_on_commit_callbacks, {"id": 4821}, topic="order.deleted", woo=True
    )

    assert deleted.outcome == DeliveryOutcome.APPLIED, deleted.error
    assert Order.objects.get(pk=created.order_id).status == OrderStatus.CANCELLED
    assert_ledger_equals_payments(created.order)


def test_woocommerce_cash_on_delivery_and_a_refunded_order(
    db, client, django_capture_on_commit_callbacks
):
    connected_storefront("woocommerce", code="lan-vn", currency="VND")
    connected_storefront("woocommerce", code="lan", currency="USD")

    cod = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("woocommerce_order_cod"),
        topic="order.created",
        woo=True,
        code="lan-vn",
    )
    refunded = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("woocommerce_order_refunded"),
        topic="order.created",
        woo=True,
    )

    assert cod.order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    assert cod.order.total == Decimal("300000")
    assert refunded.outcome == DeliveryOutcome.APPLIED, refunded.error
    assert refunded.order.payment_status == PaymentStatus.REFUNDED
    assert_ledger_equals_payments(refunded.order)


def test_a_delivery_that_failed_applies_once_the_storefront_is_corrected(
    db, client, django_capture_on_commit_callbacks
):
    connection = connected_storefront("woocommerce", code="lan", currency="VND")
    delivery = deliver(
        client,
        django_capture_on_commit_callbacks,
        payload_bytes("woocommerce_order_processing"),
        topic="order.created",
        woo=True,
    )
    assert delivery.outcome == DeliveryOutcome.FAILED and delivery.needs_attention
    assert "USD" in delivery.error
    assert not Order.objects.exists()

    connection.storefront.currency = "USD"
    connection.storefront.save(update_fields=["currency"])
    delivery = delivery_reapply(delivery, actor=user_with_role(MANAGER))

    assert delivery.outcome == DeliveryOutcome.APPLIED
    assert not delivery.needs_attention
    assert delivery.order.total == Decimal("117.92")
