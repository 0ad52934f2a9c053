"""Fulfillment's part in order edits (fulfillment.edits): packed floors, stock put back."""

from decimal import Decimal

import pytest

from fulfillment.models import InventoryItem, PickRecord, Supplier, SupplierDelivery
from fulfillment.selectors import order_unaccounted_pick_quantities, order_unpicked_quantities
from fulfillment.services import package_create
from fulfillment.services.picking import picking_record
from fulfillment.services.suppliers import supplier_request_create
from orders.edit_rules import line_release_names
from orders.models import Order, OrderStatus
from orders.services import order_cancel_lines, order_edit, order_transition
from orders.tests.factories import order_in_state, order_pick_everything
from shared.errors import OrderConflict

pytestmark = pytest.mark.django_db


def _on_hand(sku: str) -> int:
    return InventoryItem.objects.get(sku=sku).quantity_on_hand


def test_fulfillment_registers_its_release_hook():
    assert line_release_names() == ("fulfillment",)


def test_lowering_a_picked_line_puts_the_units_back_on_the_shelf():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))
    stock = _on_hand("MUG-1")

    order_edit(order=order, actor=None, reason="one mug", lines=[{"sku": "MUG-1", "quantity": 1}])

    assert _on_hand("MUG-1") == stock + 1
    assert (
        sum(
            PickRecord.objects.filter(order_line__order=order).values_list(
                "quantity_picked", flat=True
            )
        )
        == 2
    )  # 1 mug and 1 tea
    order = Order.objects.get(pk=order.pk)
    assert order_unaccounted_pick_quantities(order) == {}
    note = order.events.filter(data__returned_to_stock__isnull=False).get()
    assert note.data == {"returned_to_stock": {"MUG-1": 1}} and not note.customer_visible
    # Everything still needed is picked: packing may start.
    order = order_transition(order=order, transition="start_packing", actor=None)
    assert order.status == OrderStatus.PACKING


def test_removing_a_picked_line_puts_it_back_and_drops_its_picks():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))
    stock = _on_hand("TEA-7")

    order_edit(order=order, actor=None, reason="no tea", lines=[{"sku": "TEA-7", "quantity": 0}])

    assert _on_hand("TEA-7") == stock + 1
    assert list(order.lines.values_list("sku", flat=True)) == ["MUG-1"]


def test_raising_a_picked_line_leaves_the_new_units_to_pick():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))

    order_edit(order=order, actor=None, reason="more", lines=[{"sku": "MUG-1", "quantity": 5}])

    assert order_unpicked_quantities(Order.objects.get(pk=order.pk)) == {"MUG-1": 3}


def test_a_short_pick_is_forgotten_for_units_no_longer_ordered():
    order = order_in_state(OrderStatus.PICKING)
    InventoryItem.objects.create(sku="MUG-1", location="A-1", quantity_on_hand=1)
    picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 2}], actor=None)
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.ON_HOLD  # one mug was short

    order_edit(
        order=order, actor=None, reason="one is enough", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    record = PickRecord.objects.get(order_line__sku="MUG-1", order_line__order=order)
    assert (record.quantity_picked, record.quantity_short) == (1, 0)
    assert _on_hand("MUG-1") == 0


def test_a_packed_quantity_never_drops():
    order = order_in_state(OrderStatus.PACKING)
    package_create(
        order=order, lines=[{"sku": "MUG-1", "quantity": 2}], weight_grams=500, actor=None
    )
    before = (order.lines.get(sku="MUG-1").quantity, Order.objects.get(pk=order.pk).version)

    with pytest.raises(OrderConflict) as refused:
        order_cancel_lines(
            order=order, actor=None, reason="r", lines=[{"sku": "MUG-1", "quantity": 1}]
        )

    assert refused.value.code == "conflict"
    assert refused.value.details == {
        "lines": ["MUG-1: 2 are packed; the quantity cannot go below 2."]
    }
    assert (order.lines.get(sku="MUG-1").quantity, Order.objects.get(pk=order.pk).version) == before
    # The unpacked tea may still go.
    result = order_cancel_lines(
        order=order, actor=None, reason="r", lines=[{"sku": "TEA-7", "quantity": 1}]
    )
    assert result.total_after == Decimal("270000.00")


def test_a_line_a_supplier_request_names_is_lowered_but_not_removed():
    order = order_in_state(OrderStatus.PROCESSING)
    supplier = Supplier.objects.create(name="Gốm Bát Tràng", email="orders@battrang.example")
    supplier_request_create(
        order=order,
        supplier=supplier,
        lines=[{"sku": "TEA-7", "quantity": 1}],
        delivery=SupplierDelivery.TO_WAREHOUSE,
        actor=None,
    )
    order = Order.objects.get(pk=order.pk)
    version = order.version

    with pytest.raises(OrderConflict) as refused:
        order_edit(order=order, actor=None, reason="r", lines=[{"sku": "TEA-7", "quantity": 0}])

    assert refused.value.details == {
        "lines": ["TEA-7: goods were requested from a supplier for it; it cannot be removed."]
    }
    assert Order.objects.get(pk=order.pk).version == version
    assert order.lines.filter(sku="TEA-7").exists()
