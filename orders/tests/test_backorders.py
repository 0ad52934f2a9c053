"""Back-orders (orders.services.order_split): what moves, where the money goes, what is refused."""

from decimal import Decimal

import pytest

from fulfillment.models import InventoryItem, PickRecord
from fulfillment.services.picking import picking_record
from orders import events
from orders.events import OrderCreated, OrderSplit
from orders.models import (
    HoldReason,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.services import order_split, order_transition
from orders.services.backorders import BACKORDER_KIND, SPLIT_KIND
from reports.ledger import ledger_balance
from reports.models import LedgerKind
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    StaleOrderVersion,
    TransitionPermissionDenied,
)

from .factories import order_in_state, order_pick_everything, order_step, user_with_role

pytestmark = pytest.mark.django_db

# order_new's lines: 2 x MUG-1 at 120,000 and 1 x TEA-7 at 85,001; shipping 30,000.
TOTAL = Decimal("355001")
MUGS = Decimal("240000")


def _short_picked(**kwargs) -> Order:
    """An order held for a short pick: the tea came off the shelf, both mugs were missing."""
    order = order_in_state(OrderStatus.PICKING, **kwargs)
    InventoryItem.objects.create(sku="TEA-7", location="A-01-2", quantity_on_hand=5)
    picking_record(
        order=order,
        picks=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        actor=None,
    )
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.STOCK_SHORTAGE
    return order


def _lines(order: Order) -> dict[str, int]:
    return {line.sku: line.quantity for line in order.lines.order_by("id")}


def _agrees(order: Order) -> None:
    """An order's total is its lines plus shipping."""
    lines = sum((line.line_total for line in order.lines.all()), Decimal("0"))
    assert order.subtotal == lines
    assert order.total == lines + order.shipping_price


def test_a_short_pick_splits_the_missing_units_to_a_paid_back_order_in_processing(
    monkeypatch,
):
    original = _short_picked(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    seen = []
    for kind in (OrderSplit, OrderCreated):
        monkeypatch.setitem(events._SUBSCRIBERS, kind, [*events.subscribers(kind), seen.append])
    version = original.version
    warehouse = user_with_role(WAREHOUSE)

    backorder = order_split(
        order=original,
        actor=warehouse,
        reason="Mugs out of stock until Friday",
        lines=[{"sku": "MUG-1", "quantity": 2}],
        expected_version=version,
    )

    original = Order.objects.get(pk=original.pk)
    backorder = Order.objects.get(pk=backorder.pk)
    assert _lines(original) == {"TEA-7": 1}
    assert _lines(backorder) == {"MUG-1": 2}
    assert backorder.lines.get().unit_price == Decimal("120000")
    assert (original.total, backorder.total) == (Decimal("115001"), MUGS)
    assert original.total + backorder.total == TOTAL
    assert (original.shipping_price, backorder.shipping_price) == (Decimal("30000"), 0)
    _agrees(original)
    _agrees(backorder)
    # The money went with the goods.
    assert (original.amount_paid, backorder.amount_paid) == (Decimal("115001"), MUGS)
    assert backorder.payment_status == PaymentStatus.PAID
    assert original.payment_status == PaymentStatus.PAID
    # The back-order: linked, same customer and terms, its own clock.
    assert backorder.backorder_of == original
    assert list(original.backorders.all()) == [backorder]
    assert backorder.number != original.number and backorder.number.startswith("OR")
    assert backorder.external_id == f"{original.external_id}-B1"
    assert backorder.storefront == original.storefront
    assert backorder.customer == original.customer
    assert str(backorder.shipping_address) == str(original.shipping_address)
    assert backorder.payment_method == PaymentMethod.CARD
    assert (backorder.team_id, backorder.priority) == (original.team_id, original.priority)
    assert backorder.status == OrderStatus.PROCESSING
    assert backorder.confirmed_at is not None
    assert set(backorder.stage_deadlines) >= {"processing", "picking", "shipped"}
    assert backorder.stage_due_at is not None
    assert backorder.promised_delivery_date is not None
    assert original.version == version + 1
    assert original.status == OrderStatus.ON_HOLD
    # History on both, staff-only, naming who, why, what and the other order.
    split_row = original.events.get(data__kind=SPLIT_KIND)
    created_row = backorder.events.get()
    assert split_row.actor == created_row.actor == warehouse
    assert split_row.reason == created_row.reason == "Mugs out of stock until Friday"
    assert split_row.data["backorder"] == backorder.number
    assert created_row.data["kind"] == BACKORDER_KIND
    assert created_row.data["backorder_of"] == original.number
    assert split_row.data["moved"] == [
        {
            "sku": "MUG-1",
            "name": "Mug",
            "quantity": "2",
            "unit_price": "120000.00",
            "line_total": "240000.00",
        }
    ]
    assert not split_row.customer_visible and not created_row.customer_visible
    assert split_row.event_type == created_row.event_type == OrderEventType.NOTE
    # Announced as a split, never as a new order.
    assert [type(event) for event in seen] == [OrderSplit]
    assert (seen[0].moved_total, seen[0].paid_moved) == (MUGS, MUGS)
    # Ledger: each order's revenue is what it was paid; the shipping stays on the original.
    assert ledger_balance(original, LedgerKind.REVENUE) == original.amount_paid
    assert ledger_balance(backorder, LedgerKind.REVENUE) == backorder.amount_paid
    assert ledger_balance(original, LedgerKind.SHIPPING_CHARGED) == Decimal("30000")
    assert ledger_balance(backorder, LedgerKind.SHIPPING_CHARGED) == 0


def test_after_the_split_the_original_ships_what_it_has():
    original = _short_picked(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    order_split(
        order=original,
        actor=user_with_role(WAREHOUSE),
        reason="Mugs later",
        lines=[{"sku": "MUG-1", "quantity": 2}],
    )
    # The mugs' short pick went with the line: nothing is left to pick.
    assert not PickRecord.objects.filter(order_line__sku="MUG-1").exists()

    original = order_transition(order=original, transition="release", actor=None)
    original = order_transition(order=original, transition="start_packing", actor=None)
    for transition in ("mark_ready_to_ship", "ship"):
        original = order_step(original, transition)

    assert original.status == OrderStatus.SHIPPED


def test_an_authorized_payment_becomes_two_each_captured_for_its_own_total():
    original = order_in_state(
        OrderStatus.PROCESSING,
        payment_method=PaymentMethod.CARD,
        payment_status=PaymentStatus.AUTHORIZED,
    )

    backorder = order_split(
        order=original,
        actor=user_with_role(CUSTOMER_CARE),
        reason="Customer wants the mug later",
        lines=[{"sku": "MUG-1", "quantity": 1}],
    )

    assert backorder.payment_status == PaymentStatus.AUTHORIZED
    assert backorder.amount_paid == 0
    original = order_transition(order=original.pk, transition="capture_payment", actor=None)
    backorder = order_transition(order=backorder.pk, transition="capture_payment", actor=None)
    assert (original.amount_paid, backorder.amount_paid) == (
        TOTAL - Decimal("120000"),
        Decimal("120000"),
    )
    assert original.amount_paid + backorder.amount_paid == TOTAL
    for order in (original, backorder):
        _agrees(order)
        assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid


def test_cash_on_delivery_stays_unpaid_with_the_same_method():
    original = order_in_state(OrderStatus.PROCESSING)

    backorder = order_split(
        order=original,
        actor=user_with_role(MANAGER),
        reason="Tea later",
        lines=[{"sku": "TEA-7", "quantity": 1}],
    )

    assert (backorder.payment_method, backorder.payment_status) == (
        PaymentMethod.CASH_ON_DELIVERY,
        PaymentStatus.UNPAID,
    )
    assert backorder.status == OrderStatus.PROCESSING
    assert backorder.amount_paid == 0
    original.refresh_from_db()
    assert original.total + backorder.total == TOTAL


def test_a_second_split_gets_the_next_external_id():
    original = order_in_state(OrderStatus.PROCESSING)
    manager = user_with_role(MANAGER)

    first = order_split(
        order=original, actor=manager, reason="later", lines=[{"sku": "MUG-1", "quantity": 1}]
    )
    second = order_split(
        order=original, actor=manager, reason="later", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    assert (first.external_id, second.external_id) == (
        f"{original.external_id}-B1",
        f"{original.external_id}-B2",
    )
    assert _lines(Order.objects.get(pk=original.pk)) == {"TEA-7": 1}


def _nothing_written(order: Order, version: int) -> None:
    order.refresh_from_db()
    assert order.version == version
    assert _lines(order) == {"MUG-1": 2, "TEA-7": 1}
    assert order.total == TOTAL
    assert not order.backorders.exists()
    assert not OrderEvent.objects.filter(data__kind=SPLIT_KIND).exists()


def test_staff_without_the_permission_are_refused_and_nothing_is_written():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(TransitionPermissionDenied):
        order_split(
            order=order,
            actor=user_with_role(FINANCE),
            reason="later",
            lines=[{"sku": "MUG-1", "quantity": 1}],
        )

    _nothing_written(order, order.version)


def test_a_stale_version_is_refused_with_412():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(StaleOrderVersion):
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="later",
            lines=[{"sku": "MUG-1", "quantity": 1}],
            expected_version=order.version - 1,
        )

    _nothing_written(order, order.version)


def test_moving_every_unit_is_refused_nothing_would_ship():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(OrderConflict, match="nothing to ship"):
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="later",
            lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        )

    _nothing_written(order, order.version)


def test_picked_units_never_move_and_the_refusal_names_the_line():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))

    with pytest.raises(OrderConflict) as refused:
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="later",
            lines=[{"sku": "MUG-1", "quantity": 1}],
        )

    assert "Only 0 x MUG-1" in refused.value.message
    assert "2 picked" in refused.value.message
    assert refused.value.details["sku"] == "MUG-1"
    _nothing_written(order, order.version)


def test_packed_units_never_move():
    order = order_in_state(OrderStatus.READY_TO_SHIP)

    with pytest.raises(OrderConflict) as refused:
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="later",
            lines=[{"sku": "TEA-7", "quantity": 1}],
        )

    assert refused.value.http_status == 409
    assert "TEA-7" in refused.value.message
    _nothing_written(order, order.version)


@pytest.mark.parametrize("status", [OrderStatus.SHIPPED, OrderStatus.CANCELLED])
def test_an_order_that_shipped_or_closed_cannot_be_split(status):
    order = order_in_state(status)
    version = order.version
    lines = _lines(order)

    with pytest.raises(InvalidTransition):
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="later",
            lines=[{"sku": "MUG-1", "quantity": 1}],
        )

    order.refresh_from_db()
    assert (order.version, _lines(order)) == (version, lines)
    assert not order.backorders.exists()


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        ([], "lines"),
        ([{"sku": "NOPE", "quantity": 1}], "lines[0].sku"),
        ([{"sku": "MUG-1", "quantity": 0}], "lines[0].quantity"),
        ([{"sku": "MUG-1", "quantity": "1"}], "lines[0].quantity"),
    ],
)
def test_malformed_lines_are_refused_with_400(lines, field):
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(OrderValidationError) as refused:
        order_split(order=order, actor=user_with_role(MANAGER), reason="later", lines=lines)

    assert field in refused.value.details
    _nothing_written(order, order.version)


def test_a_reason_is_required():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(OrderValidationError) as refused:
        order_split(
            order=order,
            actor=user_with_role(MANAGER),
            reason="  ",
            lines=[{"sku": "MUG-1", "quantity": 1}],
        )

    assert "reason" in refused.value.details


def test_partly_refunded_money_moves_only_as_far_as_it_goes():
    original = order_in_state(
        OrderStatus.PROCESSING, payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID
    )
    original = order_transition(
        order=original, transition="refund_payment", actor=None, amount=Decimal("300000")
    )

    backorder = order_split(
        order=original,
        actor=user_with_role(MANAGER),
        reason="later",
        lines=[{"sku": "MUG-1", "quantity": 2}],
    )

    original.refresh_from_db()
    # 55,001 was left of the payment; it went with the mugs, the rest of them is still due.
    assert backorder.amount_paid == Decimal("55001")
    assert original.amount_paid == original.amount_refunded == Decimal("300000")
    assert original.amount_paid + backorder.amount_paid == TOTAL
    assert ledger_balance(original, LedgerKind.REVENUE) == original.amount_paid
    assert ledger_balance(backorder, LedgerKind.REVENUE) == backorder.amount_paid
