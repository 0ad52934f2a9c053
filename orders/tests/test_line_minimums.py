"""orders.line_minimums: what fulfillment holds of each line, asked before a line drops."""

import pytest

from fulfillment.models import InventoryItem
from fulfillment.services.picking import picking_record
from orders.line_minimums import LineMinimum, line_minimum_kinds, order_line_minimums
from orders.models import OrderStatus

from .factories import order_in_state, order_step

pytestmark = pytest.mark.django_db


def test_fulfillment_registers_picked_packed_and_drop_shipped():
    assert line_minimum_kinds() == ("drop_shipped", "packed", "picked")


def test_a_new_order_holds_no_line():
    order = order_in_state(OrderStatus.PROCESSING)

    assert order_line_minimums(order) == {}


def test_picked_units_hold_their_line_and_packing_names_the_larger_hold():
    order = order_in_state(OrderStatus.PICKING)
    mug = order.lines.get(sku="MUG-1")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=1)
    InventoryItem.objects.create(sku="TEA-7", location="A-01-2", quantity_on_hand=5)
    picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 1, "short": 1}], actor=None)

    assert order_line_minimums(order) == {mug.pk: LineMinimum(quantity=1, kind="picked")}
    assert order_line_minimums(order, kinds=["packed"]) == {}


def test_packed_units_hold_their_line():
    order = order_in_state(OrderStatus.PACKING)
    order = order_step(order, "mark_ready_to_ship")
    lines = {line.sku: line.pk for line in order.lines.all()}

    assert order_line_minimums(order, kinds=["packed"]) == {
        lines["MUG-1"]: LineMinimum(quantity=2, kind="packed"),
        lines["TEA-7"]: LineMinimum(quantity=1, kind="packed"),
    }


def test_an_unknown_kind_is_refused():
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(ValueError, match="shipped"):
        order_line_minimums(order, kinds=["shipped"])
