"""The ledger follows edits of orders: refunds, balance captures, shipping price changes."""

from decimal import Decimal

import pytest

from orders.models import Order, OrderLine, OrderStatus, PaymentMethod, PaymentStatus
from orders.services import order_cancel_lines, order_edit, order_transition
from orders.tests.factories import order_in_state
from reports.ledger import ledger_balance
from reports.models import LedgerKind

pytestmark = pytest.mark.django_db


def assert_ledger_agrees(order: Order) -> None:
    """DESIGN.md's invariant for a card or invoice order, after any edit."""
    order = Order.objects.get(pk=order.pk)
    lines = sum(line.line_total for line in OrderLine.objects.filter(order=order))
    assert order.total == lines + order.shipping_price
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded


@pytest.mark.parametrize("method", [PaymentMethod.CARD, PaymentMethod.INVOICE])
def test_paid_order_lowered_then_raised_and_captured_keeps_the_ledger_equal(method):
    order = order_in_state(OrderStatus.PROCESSING, payment_method=method, payment_status="paid")

    order_edit(order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}])
    assert_ledger_agrees(order)
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("120000.00")

    order_edit(
        order=order,
        actor=None,
        reason="r",
        lines=[{"sku": "VASE-3", "quantity": 1, "name": "Vase", "unit_price": "300000"}],
    )
    order = Order.objects.get(pk=order.pk)
    assert order.balance_due == Decimal("300000.00")
    order = order_transition(order=order, transition="capture_payment", actor=None)
    assert_ledger_agrees(order)
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    # The balance capture earns what it took, not the order's total once more.
    assert ledger_balance(order, LedgerKind.REVENUE) == Decimal("655001.00")


def test_shipping_price_changed_after_revenue_is_booked_books_the_difference():
    order = order_in_state(OrderStatus.PROCESSING, payment_method="card", payment_status="paid")
    assert ledger_balance(order, LedgerKind.SHIPPING_CHARGED) == Decimal("30000.00")

    order_edit(order=order, actor=None, reason="free shipping", shipping_price="0")

    order = Order.objects.get(pk=order.pk)
    assert ledger_balance(order, LedgerKind.SHIPPING_CHARGED) == order.shipping_price == 0
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("30000.00")
    assert_ledger_agrees(order)


def test_authorized_order_edited_earns_the_new_total_at_capture():
    order = order_in_state(
        OrderStatus.PROCESSING, payment_method="card", payment_status="authorized"
    )

    order_edit(order=order, actor=None, reason="r", shipping_price="10000")
    assert ledger_balance(order, LedgerKind.SHIPPING_CHARGED) == 0  # nothing earned yet
    order = order_transition(order=order, transition="capture_payment", actor=None)

    assert_ledger_agrees(order)
    assert ledger_balance(order, LedgerKind.SHIPPING_CHARGED) == Decimal("10000.00")


def test_partial_cancel_on_a_paid_order_books_its_refund():
    order = order_in_state(OrderStatus.PROCESSING, payment_method="card", payment_status="paid")

    order_cancel_lines(order=order, actor=None, reason="r", lines=[{"sku": "TEA-7", "quantity": 1}])

    assert_ledger_agrees(order)
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("85001.00")


def test_cash_on_delivery_edited_earns_its_new_total_at_delivery():
    order = order_in_state(OrderStatus.PROCESSING)

    order_edit(order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 3}])

    assert ledger_balance(order, LedgerKind.REVENUE) == 0
    assert LedgerKind.SHIPPING_CHARGED not in {
        kind for kind in order.ledger_entries.values_list("kind", flat=True)
    }
