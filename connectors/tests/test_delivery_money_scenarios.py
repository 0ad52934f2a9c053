"""Money through platform deliveries: the order, its payment fields and the ledger agree.

Real Shopify and WooCommerce bodies (tests/payloads), signed and posted as the
platforms do, in the orders a shop produces them: unpaid then paid, a refund
delivered twice under two delivery ids, a change of tax or discount only, a
cancellation of a paid order, an update that reaches us before its creation.
"""

from decimal import Decimal

import pytest

from connectors.models import DeliveryOutcome
from connectors.tests.payloads import payload_load
from orders.models import Order, OrderStatus, PaymentStatus
from orders.services import order_create
from orders.tests.factories import order_step

from .platform_requests import connected_storefront
from .test_platform_payloads_e2e import assert_ledger_equals_payments, deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    return connected_storefront("shopify", code="lan", currency="USD")


def paid(**changes) -> dict:
    body = payload_load("shopify_order_paid")
    body.update(changes)
    return body


def test_an_order_created_pending_and_paid_later_is_captured_once(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    created = deliver(client, capture, paid(financial_status="pending"), topic="orders/create")
    assert created.order.payment_status == PaymentStatus.UNPAID
    assert_ledger_equals_payments(created.order)

    later = paid(updated_at="2026-12-05T10:00:00-05:00")
    first = deliver(client, capture, later, topic="orders/updated")
    again = deliver(client, capture, later, topic="orders/updated")

    order = Order.objects.get(pk=created.order_id)
    assert first.outcome == DeliveryOutcome.APPLIED, first.error
    assert again.outcome == DeliveryOutcome.IGNORED, again.error
    assert order.payment_status == PaymentStatus.PAID
    assert order.amount_paid == order.total == Decimal("125.07")
    assert_ledger_equals_payments(order)


def test_a_refund_delivered_twice_under_two_ids_is_refunded_once(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    refunded = payload_load("shopify_order_partially_refunded")

    first = deliver(client, capture, refunded, topic="orders/updated")
    again = deliver(client, capture, refunded, topic="orders/updated")

    order = Order.objects.get(pk=first.order_id)
    assert first.outcome == DeliveryOutcome.APPLIED, first.error
    assert again.outcome == DeliveryOutcome.IGNORED, again.error
    assert order.amount_refunded == Decimal("43.50")
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert_ledger_equals_payments(order)


def test_a_change_of_tax_only_becomes_an_edit_and_the_difference_is_refunded(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    # Tax exempted after the order: 8.67 of tax gone, total 125.07 -> 116.40.
    changed = paid(updated_at="2026-12-05T10:00:00-05:00", total_tax="0.00", total_price="116.40")
    for item in changed["line_items"]:
        item["tax_lines"] = []
    changed.pop("total_tax_set", None)
    changed.pop("total_price_set", None)
    changed["tax_lines"] = []

    delivery = deliver(client, capture, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(pk=delivery.order_id)
    assert (order.tax_total, order.total) == (Decimal("0.00"), Decimal("116.40"))
    assert order.amount_refunded == Decimal("8.67")
    assert_ledger_equals_payments(order)


def test_a_change_of_discount_only_becomes_an_edit(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    changed = paid(updated_at="2026-12-05T10:00:00-05:00", total_price="120.07")
    changed.pop("total_price_set", None)
    # Five more off the first line.
    allocation = changed["line_items"][0]["discount_allocations"][0]
    allocation["amount"] = "10.00"
    allocation.pop("amount_set", None)

    delivery = deliver(client, capture, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(pk=delivery.order_id)
    assert (order.discount_total, order.total) == (Decimal("20.00"), Decimal("120.07"))
    assert order.amount_refunded == Decimal("5.00")
    assert_ledger_equals_payments(order)


def test_a_paid_order_cancelled_on_the_platform_is_refunded_in_full(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    cancelled = paid(
        cancelled_at="2026-12-05T11:00:00-05:00",
        updated_at="2026-12-05T11:00:01-05:00",
        financial_status="refunded",
    )

    delivery = deliver(client, capture, cancelled, topic="orders/cancelled")

    order = Order.objects.get(pk=delivery.order_id)
    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == PaymentStatus.REFUNDED
    assert order.amount_refunded == order.amount_paid == Decimal("125.07")
    assert_ledger_equals_payments(order)


def test_an_update_before_its_creation_creates_the_order_and_the_late_creation_is_ignored(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    refunded = payload_load("shopify_order_partially_refunded")

    update = deliver(client, capture, refunded, topic="orders/updated")
    create = deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")

    order = Order.objects.get(pk=update.order_id)
    assert update.outcome == DeliveryOutcome.APPLIED, update.error
    assert create.outcome == DeliveryOutcome.IGNORED, create.error
    assert Order.objects.count() == 1
    assert order.amount_refunded == Decimal("43.50")
    assert_ledger_equals_payments(order)


def test_a_woocommerce_order_with_prices_including_tax_is_to_the_cent(
    db, client, django_capture_on_commit_callbacks
):
    body = payload_load("woocommerce_order_prices_include_tax")
    connected_storefront("woocommerce", code="lan", currency=body["currency"])
    delivery = deliver(
        client, django_capture_on_commit_callbacks, body, topic="order.created", woo=True
    )

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    assert delivery.order.total == Decimal(body["total"])
    assert_ledger_equals_payments(delivery.order)


def test_an_added_line_on_a_paid_order_is_captured_when_the_platform_is_paid_again(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    # One more bag of beans (14.50, untaxed here): Shopify first says partially paid...
    grown = paid(updated_at="2026-12-05T10:00:00-05:00", financial_status="partially_paid")
    grown["line_items"][1]["quantity"] = grown["line_items"][1]["current_quantity"] = 4
    grown["total_price"] = grown["total_price_set"]["shop_money"]["amount"] = "139.57"
    edited = deliver(client, capture, grown, topic="orders/updated")
    assert edited.outcome == DeliveryOutcome.APPLIED, edited.error
    order = Order.objects.get(pk=edited.order_id)
    assert (order.total, order.amount_paid) == (Decimal("139.57"), Decimal("125.07"))
    assert_ledger_equals_payments(order)

    # ...then paid once the customer paid the difference.
    settled = deliver(
        client,
        capture,
        {**grown, "updated_at": "2026-12-05T11:00:00-05:00", "financial_status": "paid"},
        topic="orders/updated",
    )

    assert settled.outcome == DeliveryOutcome.APPLIED, settled.error
    order = Order.objects.get(pk=edited.order_id)
    assert order.amount_paid == order.total == Decimal("139.57")
    assert_ledger_equals_payments(order)


def test_a_shopify_cash_on_delivery_order_marked_paid_books_the_cash_collected(
    db, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    connected_storefront("shopify", code="lan-vn", currency="VND")
    body = payload_load("shopify_order_cod_vnd")
    created = deliver(client, capture, body, topic="orders/create", code="lan-vn")
    assert created.order.payment_status == PaymentStatus.UNPAID

    collected = deliver(
        client,
        capture,
        {**body, "updated_at": "2026-12-09T10:00:00+07:00", "financial_status": "paid"},
        topic="orders/updated",
        code="lan-vn",
    )

    assert collected.outcome == DeliveryOutcome.APPLIED, collected.error
    order = Order.objects.get(pk=created.order_id)
    assert order.amount_paid == order.total
    assert_ledger_equals_payments(order)


def test_a_partly_refunded_order_cancelled_on_the_platform_refunds_the_rest(
    shop, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    deliver(client, capture, payload_load("shopify_order_paid"), topic="orders/create")
    refunded = payload_load("shopify_order_partially_refunded")
    deliver(client, capture, refunded, topic="orders/updated")
    cancelled = {
        **refunded,
        "cancelled_at": "2026-12-07T09:00:00-05:00",
        "updated_at": "2026-12-07T09:00:01-05:00",
    }

    delivery = deliver(client, capture, cancelled, topic="orders/cancelled")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = Order.objects.get(pk=delivery.order_id)
    assert order.status == OrderStatus.CANCELLED
    assert order.amount_refunded == order.amount_paid == Decimal("125.07")
    assert_ledger_equals_payments(order)


def test_a_delivered_order_marked_paid_is_captured_though_the_customer_changed_elsewhere(
    db, client, django_capture_on_commit_callbacks
):
    # The customer record is shared by the customer's orders: another order gave it
    # another phone. A later update of this delivered order (the cash marked paid on
    # Shopify) is not a contact change of this order, and must not be refused as one.
    capture = django_capture_on_commit_callbacks
    connection = connected_storefront("shopify", code="lan-vn", currency="VND")
    body = payload_load("shopify_order_cod_vnd")
    order = deliver(client, capture, body, topic="orders/create", code="lan-vn").order
    order_create(
        storefront=connection.storefront,
        external_id="api-2",
        customer={"email": body["email"], "name": "An Nguyen", "phone": "+84900000000"},
        shipping_address={"name": "An", "line1": "1 Le Loi", "city": "HCM", "country": "VN"},
        lines=[{"sku": "X", "name": "X", "quantity": 1, "unit_price": "1000"}],
        payment_method="cod",
        actor=None,
    )
    for step in ("confirm", "start_picking", "start_packing", "mark_ready_to_ship", "ship"):
        order = order_step(order, step)
    order = order_step(order, "deliver")

    collected = deliver(
        client,
        capture,
        {**body, "updated_at": "2026-12-09T10:00:00+07:00", "financial_status": "paid"},
        topic="orders/updated",
        code="lan-vn",
    )

    assert collected.outcome == DeliveryOutcome.APPLIED, collected.error
    order = Order.objects.get(pk=order.pk)
    assert order.amount_paid == order.total
    assert_ledger_equals_payments(order)
