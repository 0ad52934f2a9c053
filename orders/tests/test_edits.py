"""Changing an order after it was placed (orders.services.edits): rules, money, history."""

from decimal import Decimal

import pytest

from orders import events
from orders.events import OrderEdited, OrderPaymentChanged, subscribers
from orders.models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.services import (
    order_cancel_lines,
    order_edit,
    order_transition,
    transition_unmet_conditions,
)
from orders.services.transitions import TRANSITIONS
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    StaleOrderVersion,
    TransitionPermissionDenied,
)

from .factories import (
    order_book_shipment,
    order_in_state,
    order_new,
    transition_prepare,
    user_with_role,
)

pytestmark = pytest.mark.django_db

# order_new's order: 2 x MUG-1 at 120,000 and 1 x TEA-7 at 85,001, shipping 30,000.
TOTAL = Decimal("355001.00")


def _paid(status=OrderStatus.PROCESSING, method=PaymentMethod.CARD):
    return order_in_state(status, payment_method=method, payment_status=PaymentStatus.PAID)


def _fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def _state(order: Order) -> tuple:
    """Everything an edit could write, to compare before and after a refusal or a preview."""
    order = _fresh(order)
    return (
        order.version,
        order.total,
        order.subtotal,
        order.shipping_price,
        order.payment_status,
        order.amount_paid,
        order.amount_refunded,
        order.shipping_address_id,
        order.customer.name,
        order.customer.phone,
        sorted(order.lines.values_list("sku", "quantity", "line_total")),
        order.events.count(),
    )


@pytest.fixture
def published(monkeypatch):
    seen = []
    for event_type in (OrderEdited, OrderPaymentChanged):
        monkeypatch.setitem(
            events._SUBSCRIBERS, event_type, [*subscribers(event_type), seen.append]
        )
    return seen


def test_lowering_a_line_recomputes_totals_writes_history_and_publishes(published):
    order = order_in_state(OrderStatus.PROCESSING)
    care = user_with_role(CUSTOMER_CARE)

    result = order_edit(
        order=order,
        actor=care,
        reason="Customer wants one mug",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        expected_version=order.version,
    )

    order = _fresh(order)
    assert (order.subtotal, order.total) == (Decimal("205001.00"), Decimal("235001.00"))
    assert order.total == sum(line.line_total for line in order.lines.all()) + order.shipping_price
    assert order.version == result.order.version
    assert result.total_before == TOTAL and result.total_after == order.total
    assert {"field": "lines[MUG-1].quantity", "from": "2", "to": "1"} in result.changes
    assert {"field": "total", "from": "355001.00", "to": "235001.00"} in result.changes
    row = order.events.order_by("-id").first()
    assert row.event_type == "note" and row.actor == care and row.customer_visible
    assert row.reason == "Customer wants one mug"
    assert row.data == {"kind": "edit", "changes": list(result.changes)}
    assert row.customer_message() == "Order changed" and row.headline() == "Order changed"
    assert [type(event) for event in published] == [OrderEdited]
    assert published[0].total_before == TOTAL and published[0].kind == "edit"
    # Cash on delivery, unpaid: the courier collects the new total.
    assert result.money == "Cash on delivery will collect ₫235,001."


def test_adding_removing_lines_and_shipping_price():
    order = order_in_state(OrderStatus.RECEIVED)

    result = order_edit(
        order=order,
        actor=None,
        reason="Swap tea for a spoon",
        lines=[
            {"sku": "TEA-7", "quantity": 0},
            {"sku": "SPOON-2", "quantity": 3, "name": "Spoon", "unit_price": "15000"},
        ],
        shipping_price="20000",
    )

    order = _fresh(order)
    assert sorted(order.lines.values_list("sku", "quantity", "line_total")) == [
        ("MUG-1", 2, Decimal("240000.00")),
        ("SPOON-2", 3, Decimal("45000.00")),
    ]
    assert (order.shipping_price, order.total) == (Decimal("20000.00"), Decimal("305000.00"))
    assert [line["sku"] for line in result.lines_after] == ["MUG-1", "SPOON-2"]
    assert {"field": "shipping_price", "from": "30000.00", "to": "20000.00"} in result.changes


def test_address_and_contact_change_until_the_order_ships():
    order = order_in_state(OrderStatus.READY_TO_SHIP)
    old_address = order.shipping_address_id

    result = order_edit(
        order=order,
        actor=None,
        reason="Moved house",
        shipping_address={
            "name": "Nguyễn Thị Lan",
            "line1": "5 Hai Bà Trưng",
            "city": "Hà Nội",
            "postal_code": "100000",
            "country": "vn",
        },
        customer={"name": "Lan Nguyễn", "phone": "+84900000000"},
    )

    order = _fresh(order)
    assert order.shipping_address_id != old_address
    assert order.shipping_address.city == "Hà Nội" and order.shipping_address.country == "VN"
    assert (order.customer.name, order.customer.phone) == ("Lan Nguyễn", "+84900000000")
    assert [change["field"] for change in result.changes] == [
        "shipping_address",
        "customer.name",
        "customer.phone",
    ]
    assert result.money == "No change to the money."


@pytest.mark.parametrize(
    "status", [OrderStatus.PACKING, OrderStatus.READY_TO_SHIP], ids=lambda status: status
)
def test_lines_and_shipping_price_refused_once_packing_started(status):
    order = order_in_state(status)
    before = _state(order)

    with pytest.raises(OrderConflict) as refused:
        order_edit(
            order=order,
            actor=None,
            reason="more",
            lines=[{"sku": "MUG-1", "quantity": 3}],
            shipping_price="0",
        )

    assert set(refused.value.details) == {"lines", "shipping_price"}
    assert _state(order) == before


@pytest.mark.parametrize(
    "status",
    [OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED],
    ids=lambda status: status,
)
def test_closed_or_shipped_orders_refuse_every_edit(status):
    order = order_in_state(status)
    before = _state(order)

    with pytest.raises(OrderConflict) as refused:
        order_edit(order=order, actor=None, reason="late", customer={"name": "X"})

    assert refused.value.code == "conflict" and refused.value.details == {"status": [status]}
    assert _state(order) == before


def test_an_order_held_from_picking_takes_line_edits_held_from_packing_does_not():
    held = order_transition(
        order=order_in_state(OrderStatus.PICKING), transition="hold", actor=None, reason="other"
    )
    order_edit(order=held, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}])
    assert _fresh(held).total == Decimal("235001.00")

    held = order_transition(
        order=order_in_state(OrderStatus.PACKING), transition="hold", actor=None, reason="other"
    )
    with pytest.raises(OrderConflict):
        order_edit(order=held, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}])
    order_edit(order=held, actor=None, reason="r", customer={"phone": "+84911111111"})


def test_stale_version_is_refused_and_nothing_written():
    order = order_in_state(OrderStatus.PROCESSING)
    before = _state(order)

    with pytest.raises(StaleOrderVersion):
        order_edit(
            order=order,
            actor=None,
            reason="r",
            lines=[{"sku": "MUG-1", "quantity": 1}],
            expected_version=order.version - 1,
        )

    assert _state(order) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lines": [{"sku": "MUG-1", "quantity": 1}], "reason": "  "}, "reason"),
        ({"lines": [{"sku": "MUG-1", "quantity": -1}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": True}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "MUG-1", "quantity": "1.5"}]}, "lines[0].quantity"),
        ({"lines": [{"sku": "NEW", "quantity": 1, "name": "New"}]}, "lines[0].unit_price"),
        (
            {"lines": [{"sku": "NEW", "quantity": 1, "name": "N", "unit_price": "1.5"}]},
            "lines[0].unit_price",
        ),
        ({"lines": [{"sku": "GONE", "quantity": 0}]}, "lines[0].sku"),
        ({"lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "MUG-1", "quantity": 2}]}, None),
        ({"lines": [{"sku": "MUG-1", "quantity": 0}, {"sku": "TEA-7", "quantity": 0}]}, "lines"),
        ({"shipping_price": "10.5"}, "shipping_price"),
        ({"shipping_price": "-1"}, "shipping_price"),
        ({"shipping_price": "1e20"}, "shipping_price"),
        ({"customer": {"email": "new@example.com"}}, "customer.email"),
        ({"shipping_address": {"line1": "x"}}, "shipping_address.name"),
        ({"shipping_address": "12 Lê Lợi"}, "shipping_address"),
        ({"lines": [{"sku": "MUG-1", "quantity": 2}]}, "non_field_errors"),
        ({}, "non_field_errors"),
    ],
)
def test_bad_edits_are_400_naming_the_field_and_write_nothing(kwargs, field):
    order = order_in_state(OrderStatus.PROCESSING)
    before = _state(order)
    kwargs = {"reason": "because", **kwargs}

    with pytest.raises(OrderValidationError) as refused:
        order_edit(order=order, actor=None, **kwargs)

    if field is not None:
        assert field in refused.value.details
    assert _state(order) == before


def test_a_person_needs_the_edit_permission():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(TransitionPermissionDenied):
        order_edit(
            order=order,
            actor=user_with_role(WAREHOUSE),
            reason="r",
            customer={"name": "X"},
        )


def test_preview_computes_everything_and_writes_nothing():
    order = _paid()
    before = _state(order)

    result = order_edit(
        order=order,
        actor=None,
        reason="one mug",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        preview=True,
    )

    assert result.preview and result.refunded == Decimal("120000.00")
    assert result.total_after == Decimal("235001.00")
    assert result.order.version == before[0]
    assert result.money.startswith("Refund ₫120,000 to the card of order")
    assert _state(order) == before


# -- money --------------------------------------------------------------------------


def test_paid_order_lowered_refunds_the_difference_through_the_payment_machine(published):
    order = _paid()

    result = order_edit(
        order=order, actor=None, reason="one mug", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    order = _fresh(order)
    assert result.refunded == Decimal("120000.00")
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert (order.amount_paid, order.amount_refunded) == (TOTAL, Decimal("120000.00"))
    assert order.balance_due == 0
    refund = order.events.get(transition="refund_payment")
    assert refund.actor is None and refund.data["caused_by"] == "edit"
    assert [type(event) for event in published] == [OrderEdited, OrderPaymentChanged]
    assert published[1].amount == Decimal("120000.00")


def test_authorized_order_lowered_capture_takes_the_new_total():
    order = order_in_state(
        OrderStatus.PROCESSING,
        payment_method=PaymentMethod.CARD,
        payment_status=PaymentStatus.AUTHORIZED,
    )

    result = order_edit(
        order=order, actor=None, reason="one mug", lines=[{"sku": "MUG-1", "quantity": 1}]
    )
    assert result.money == "The amount to capture becomes ₫235,001."
    assert result.refunded == 0

    order = order_transition(order=order, transition="capture_payment", actor=None)
    assert (order.payment_status, order.amount_paid) == (PaymentStatus.PAID, Decimal("235001.00"))


def test_paid_order_raised_leaves_a_balance_that_blocks_shipping_until_captured():
    order = _paid(OrderStatus.PICKING)

    result = order_edit(
        order=order, actor=None, reason="one more", lines=[{"sku": "MUG-1", "quantity": 3}]
    )

    assert result.balance_due == Decimal("120000.00")
    assert result.money == (
        "A balance of ₫120,000 will be due and must be captured before shipping."
    )
    order = _fresh(order)
    assert order.balance_due == Decimal("120000.00")
    for step in ("start_packing", "mark_ready_to_ship"):
        order = order_transition(order=transition_prepare(order, step), transition=step, actor=None)
    order = order_book_shipment(order)
    assert transition_unmet_conditions(order, TRANSITIONS["ship"]) == [
        "A balance of ₫120,000 is still due: capture it before shipping."
    ]
    with pytest.raises(InvalidTransition, match="A balance of ₫120,000 is still due"):
        order_transition(order=order, transition="ship", actor=None)

    order = order_transition(order=order, transition="capture_payment", actor=None)
    assert order.payment_status == PaymentStatus.PAID
    assert (order.amount_paid, order.balance_due) == (Decimal("475001.00"), 0)
    capture = order.events.filter(transition="capture_payment").get()
    assert capture.data == {"amount": "120000.00"}
    order = order_transition(order=order, transition="ship", actor=None)
    assert order.status == OrderStatus.SHIPPED


def test_capture_from_paid_is_refused_when_nothing_is_due():
    order = _paid()

    with pytest.raises(InvalidTransition, match="Nothing is due"):
        order_transition(order=order, transition="capture_payment", actor=None)


def test_balance_capture_after_a_refund_keeps_partially_refunded():
    order = _paid()
    order_edit(order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}])
    order_edit(order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 4}])
    order = _fresh(order)
    assert order.balance_due == Decimal("360000.00")

    order = order_transition(order=order, transition="capture_payment", actor=None)

    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_paid - order.amount_refunded == order.total
    assert order.balance_due == 0


def test_cash_on_delivery_raised_collects_the_new_total_and_ships():
    order = order_in_state(OrderStatus.PROCESSING)

    result = order_edit(
        order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 3}]
    )

    assert result.money == "Cash on delivery will collect ₫475,001."
    assert _fresh(order).balance_due == Decimal("475001.00")


def test_balance_due_follows_the_payment_state():
    order = order_new(payment_method=PaymentMethod.CARD)
    assert order.balance_due == order.total
    order = order_transition(order=order, transition="void_payment", actor=None)
    assert order.balance_due == 0
    paid = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    assert paid.balance_due == 0
    cancelled = order_transition(order=paid, transition="cancel", actor=None, reason="r")
    assert cancelled.balance_due == 0


# -- partial cancellation -------------------------------------------------------------


def test_partial_cancel_keeps_the_other_lines_and_refunds_the_difference():
    # Packing started, nothing packed yet: lines are cancelled until the order ships.
    order = _paid(OrderStatus.PACKING)
    care = user_with_role(CUSTOMER_CARE)

    result = order_cancel_lines(
        order=order, actor=care, reason="No tea", lines=[{"sku": "TEA-7", "quantity": 1}]
    )

    order = _fresh(order)
    assert order.status == OrderStatus.PACKING
    assert list(order.lines.values_list("sku", "quantity")) == [("MUG-1", 2)]
    assert result.refunded == Decimal("85001.00") and result.kind == "partial_cancel"
    row = order.events.filter(event_type="note").order_by("-id").first()
    assert row.data["kind"] == "partial_cancel"
    assert row.customer_message() == "Some items were cancelled"


def test_partial_cancel_of_everything_left_cancels_the_order():
    order = _paid()

    result = order_cancel_lines(
        order=order,
        actor=None,
        reason="Changed mind",
        lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
    )

    order = _fresh(order)
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == PaymentStatus.REFUNDED
    assert result.kind == "cancel" and result.refunded == TOTAL


def test_partial_cancel_refusals():
    order = order_in_state(OrderStatus.PROCESSING)
    before = _state(order)

    with pytest.raises(OrderValidationError):
        order_cancel_lines(order=order, actor=None, reason="r", lines=[])
    with pytest.raises(OrderValidationError):
        order_cancel_lines(
            order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 3}]
        )
    with pytest.raises(TransitionPermissionDenied):
        order_cancel_lines(
            order=order,
            actor=user_with_role(WAREHOUSE),
            reason="r",
            lines=[{"sku": "MUG-1", "quantity": 1}],
        )
    assert _state(order) == before


def test_partial_cancel_preview_of_everything_writes_nothing():
    order = _paid()
    before = _state(order)

    result = order_cancel_lines(
        order=order,
        actor=None,
        reason="r",
        lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        preview=True,
    )

    assert result.preview and result.refunded == TOTAL
    assert _state(order) == before
    assert OrderEvent.objects.filter(order=order, transition="cancel").count() == 0


def test_a_received_paid_order_lowered_can_still_be_confirmed():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    order_edit(order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}])

    order = order_transition(order=order, transition="confirm", actor=None)

    assert (order.status, order.payment_status) == (
        OrderStatus.PROCESSING,
        PaymentStatus.PARTIALLY_REFUNDED,
    )


def test_a_refund_given_by_hand_leaves_nothing_due_and_an_edit_refunds_all_it_lowers():
    """A goodwill refund is not a balance to claim back; lowering the total refunds in full."""
    order = _paid()
    order = order_transition(
        order=order, transition="refund_payment", actor=None, amount=Decimal("10000")
    )
    assert order.balance_due == 0
    assert transition_unmet_conditions(order, TRANSITIONS["capture_payment"])  # nothing to take

    result = order_edit(
        order=order, actor=None, reason="One mug less", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    order = _fresh(order)
    assert result.refunded == Decimal("120000.00")
    assert order.amount_refunded == Decimal("130000.00")
    assert (order.amount_due, order.balance_due) == (Decimal("0.00"), Decimal("0.00"))


def test_a_balance_due_is_lowered_before_anything_is_refunded():
    order = _paid()
    order_edit(order=order, actor=None, reason="More", lines=[{"sku": "MUG-1", "quantity": 4}])
    assert _fresh(order).balance_due == Decimal("240000.00")

    result = order_edit(
        order=order, actor=None, reason="Fewer", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    order = _fresh(order)
    # 240,000 due went first; the other 120,000 of the drop was paid for: refunded.
    assert result.refunded == Decimal("120000.00")
    assert (order.amount_due, order.amount_refunded) == (Decimal("0.00"), Decimal("120000.00"))
    assert order.amount_paid - order.amount_refunded == order.total
