"""The shop's discounts and tax on an order: one total rule for creation, edits and splits."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from orders.services import (
    order_create,
    order_edit,
    order_split,
    order_total_compute,
    order_transition,
)
from reports.models import LedgerEntry, LedgerKind
from shared.errors import OrderConflict, OrderValidationError

from .factories import StorefrontFactory

pytestmark = pytest.mark.django_db


def _order(**fields) -> Order:
    storefront = fields.pop("storefront", None) or StorefrontFactory(currency="USD")
    arguments = {
        "storefront": storefront,
        "external_id": "820982911946154508",
        "customer": {"email": "bob@example.com", "name": "Bob Norman", "phone": ""},
        "shipping_address": {
            "name": "Bob Norman",
            "line1": "123 Amoebobacteria St",
            "city": "Louisville",
            "province": "KY",
            "postal_code": "40202",
            "country": "US",
        },
        "lines": [
            {"sku": "IPOD-342-N", "name": "IPod Nano", "quantity": 2, "unit_price": "199.00"},
            {"sku": "CASE-1", "name": "Case", "quantity": 1, "unit_price": "19.99"},
        ],
        "shipping_price": "9.50",
        "discount_total": "20.00",
        "tax_total": "33.97",
        "payment_method": PaymentMethod.CARD,
        "payment_status": PaymentStatus.PAID,
        "platform_reference": "#1001",
    }
    arguments.update(fields)
    return order_create(**arguments)


def test_the_total_is_goods_less_discounts_plus_shipping_plus_tax_added():
    order = _order()

    assert order.subtotal == Decimal("417.99")
    assert order.total == Decimal("417.99") - Decimal("20.00") + Decimal("9.50") + Decimal("33.97")
    assert order.amount_paid == order.total
    assert order.platform_reference == "#1001"
    assert order.shipping_address.province == "KY"


def test_included_tax_is_kept_and_not_counted_twice():
    order = _order(taxes_included=True, tax_total="69.67")

    assert order.total == Decimal("417.99") - Decimal("20.00") + Decimal("9.50")
    assert order.tax_total == Decimal("69.67")
    assert order.taxes_included


def test_a_discount_larger_than_the_order_is_refused_and_nothing_is_written():
    with pytest.raises(OrderValidationError) as refused:
        _order(discount_total="500.00")

    assert "discount_total" in refused.value.details
    assert not Order.objects.exists()


def test_a_discount_finer_than_the_currency_is_refused():
    with pytest.raises(OrderValidationError):
        _order(discount_total="1.005")


def test_revenue_booked_for_a_paid_order_is_its_total_after_discounts_and_tax():
    order = _order()

    revenue = LedgerEntry.objects.filter(order=order, kind=LedgerKind.REVENUE)
    assert sum(entry.amount for entry in revenue) == order.amount_paid == order.total


def test_an_edit_keeps_the_discount_and_tax_in_the_new_total():
    order = _order(payment_status=PaymentStatus.UNPAID)

    result = order_edit(
        order=order,
        actor=None,
        reason="Customer wants one",
        lines=[{"sku": "IPOD-342-N", "quantity": 1}],
    )

    order.refresh_from_db()
    assert order.total == order_total_compute(
        subtotal=Decimal("218.99"),
        shipping_price=Decimal("9.50"),
        discount_total=Decimal("20.00"),
        tax_total=Decimal("33.97"),
    )
    assert result.total_after == order.total


def test_an_edit_may_change_the_discount_and_the_tax_and_says_so():
    order = _order(payment_status=PaymentStatus.UNPAID)

    result = order_edit(
        order=order,
        actor=None,
        reason="Changed on Shopify (#1001)",
        discount_total="10.00",
        tax_total="30.00",
    )

    order.refresh_from_db()
    assert (order.discount_total, order.tax_total) == (Decimal("10.00"), Decimal("30.00"))
    assert order.total == Decimal("417.99") - Decimal("10.00") + Decimal("9.50") + Decimal("30.00")
    fields = {change["field"] for change in result.changes}
    assert {"discount_total", "tax_total", "total"} <= fields


def test_an_edit_that_leaves_the_discount_larger_than_the_goods_is_refused():
    order = _order(payment_status=PaymentStatus.UNPAID, discount_total="200.00")

    with pytest.raises(OrderConflict):
        order_edit(
            order=order,
            actor=None,
            reason="Fewer",
            lines=[{"sku": "IPOD-342-N", "quantity": 0}],
        )

    order.refresh_from_db()
    assert order.lines.count() == 2


def test_a_split_never_leaves_the_discount_larger_than_what_stays():
    order = _order(
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        payment_status=PaymentStatus.UNPAID,
        discount_total="200.00",
    )
    order = order_transition(order=order.pk, transition="confirm", actor=None)
    assert order.status == OrderStatus.PROCESSING

    with pytest.raises(OrderConflict):
        order_split(
            order=order,
            actor=None,
            reason="Later",
            lines=[{"sku": "IPOD-342-N", "quantity": 2}],
        )

    order.refresh_from_db()
    assert order.lines.count() == 2
    assert not order.backorders.exists()


def test_a_larger_discount_on_a_paid_order_refunds_the_difference_and_the_ledger_says_so():
    order = _order()  # paid, discount 20.00

    result = order_edit(
        order=order, actor=None, reason="Changed on Shopify (#1001)", discount_total="30.00"
    )

    order.refresh_from_db()
    refunds = LedgerEntry.objects.filter(order=order, kind=LedgerKind.REFUND)
    assert result.refunded == order.amount_refunded == Decimal("10.00")
    assert sum(entry.amount for entry in refunds) == Decimal("10.00")


def test_an_edit_of_an_order_whose_prices_include_tax_does_not_add_the_tax():
    order = _order(payment_status=PaymentStatus.UNPAID, taxes_included=True, tax_total="69.67")

    order_edit(
        order=order, actor=None, reason="One less", lines=[{"sku": "IPOD-342-N", "quantity": 1}]
    )

    order.refresh_from_db()
    assert order.total == Decimal("218.99") - Decimal("20.00") + Decimal("9.50")
