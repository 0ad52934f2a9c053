"""Scanning barcodes: one unit picked, one unit into the open package, and the refusals."""

import pytest

from fulfillment.models import (
    InventoryItem,
    OpenPackage,
    OpenPackageLine,
    Package,
    PackageLine,
    PickRecord,
)
from fulfillment.selectors import order_open_package_contents
from fulfillment.services import package_create
from fulfillment.services.picking import pick_list_create
from fulfillment.services.scanning import (
    ScanCount,
    open_package_close,
    open_package_empty,
    pack_scan_add,
    pick_scan_record,
    wave_scan_record,
)
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from orders.roles import FINANCE, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import order_in_state, user_with_role
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    TransitionPermissionDenied,
)

pytestmark = pytest.mark.django_db

# order_in_state's orders: 2 x MUG-1 and 1 x TEA-7.


def shelve(mug: int = 10, tea: int = 10) -> None:
    InventoryItem.objects.create(sku="MUG-1", location="B-02-1", quantity_on_hand=mug)
    InventoryItem.objects.create(sku="TEA-7", location="A-01-3", quantity_on_hand=tea)


def counts() -> tuple:
    """Everything a refused scan must leave alone."""
    return (
        PickRecord.objects.count(),
        sum(PickRecord.objects.values_list("quantity_picked", flat=True)),
        OpenPackage.objects.count(),
        sorted(OpenPackageLine.objects.values_list("order_line_id", "quantity")),
        sorted(InventoryItem.objects.values_list("sku", "quantity_on_hand")),
        OrderEvent.objects.count(),
        Package.objects.count(),
        list(Order.objects.order_by("pk").values_list("status", "version")),
    )


# -- picking ---------------------------------------------------------------------------


def test_a_scan_picks_one_unit_and_takes_it_off_the_shelf():
    shelve()
    order = order_in_state(OrderStatus.PICKING)
    picker = user_with_role(WAREHOUSE)

    first = pick_scan_record(order=order, sku="MUG-1", actor=picker)
    second = pick_scan_record(order=order, sku="MUG-1", actor=picker)

    assert (first, second) == (ScanCount("MUG-1", 1, 2), ScanCount("MUG-1", 2, 2))
    assert list(PickRecord.objects.values_list("quantity_picked", "quantity_short")) == [
        (1, 0),
        (1, 0),
    ]
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 8
    event = order.events.filter(event_type=OrderEventType.PICK_RECORDED).last()
    assert event.actor == picker
    assert event.data == {"picked": {"MUG-1": 1}, "short": {}}


def test_a_scanned_unit_is_picked_even_when_the_stock_says_the_shelf_is_empty():
    shelve(mug=0)
    order = order_in_state(OrderStatus.PICKING)

    pick_scan_record(order=order, sku="MUG-1", actor=user_with_role(WAREHOUSE))

    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING  # no short pick, no hold
    assert list(PickRecord.objects.values_list("quantity_picked", "quantity_short")) == [(1, 0)]
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 0
    event = order.events.filter(event_type=OrderEventType.PICK_RECORDED).last()
    assert event.data["not_in_stock_records"] == {"MUG-1": 1}
    assert "Stock discrepancy: 1 x MUG-1" in event.note


def test_the_last_unit_scanned_leaves_nothing_to_pick_and_packing_may_start():
    shelve()
    order = order_in_state(OrderStatus.PICKING)
    picker = user_with_role(WAREHOUSE)

    for sku in ("MUG-1", "TEA-7", "MUG-1"):
        pick_scan_record(order=order, sku=sku, actor=picker)

    order = order_transition(order=order, transition="start_packing", actor=picker)
    assert order.status == OrderStatus.PACKING


def test_a_sku_not_on_the_order_is_refused_and_changes_nothing():
    shelve()
    order = order_in_state(OrderStatus.PICKING)
    before = counts()

    with pytest.raises(OrderValidationError, match="has no SKU 'SOAP-3'"):
        pick_scan_record(order=order, sku="SOAP-3", actor=user_with_role(WAREHOUSE))

    assert counts() == before


def test_one_unit_too_many_is_refused_and_changes_nothing():
    shelve()
    order = order_in_state(OrderStatus.PICKING)
    picker = user_with_role(WAREHOUSE)
    pick_scan_record(order=order, sku="TEA-7", actor=picker)
    before = counts()

    with pytest.raises(OrderConflict, match=r"All 1 x TEA-7 are picked\."):
        pick_scan_record(order=order, sku="TEA-7", actor=picker)

    assert counts() == before


def test_a_pick_scan_needs_the_permission_and_a_picking_order():
    shelve()
    picking, packing = order_in_state(OrderStatus.PICKING), order_in_state(OrderStatus.PACKING)
    before = counts()

    with pytest.raises(TransitionPermissionDenied):
        pick_scan_record(order=picking, sku="MUG-1", actor=user_with_role(FINANCE))
    with pytest.raises(InvalidTransition, match="picks are scanned while it is picking"):
        pick_scan_record(order=packing, sku="MUG-1", actor=user_with_role(WAREHOUSE))

    assert counts() == before


# -- packing ---------------------------------------------------------------------------


def test_scans_fill_the_open_package_which_closes_into_a_package():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)

    assert pack_scan_add(order=order, sku="MUG-1", actor=packer) == ScanCount("MUG-1", 1, 2)
    assert pack_scan_add(order=order, sku="MUG-1", actor=packer) == ScanCount("MUG-1", 2, 2)
    assert order_open_package_contents(order) == {"MUG-1": 2}
    assert OpenPackage.objects.get(order=order).opened_by == packer
    assert not Package.objects.exists()  # not packed until closed

    package = open_package_close(order=order, weight_grams=800, actor=packer)

    assert package.weight_grams == 800
    assert list(PackageLine.objects.values_list("order_line__sku", "quantity")) == [("MUG-1", 2)]
    assert not OpenPackage.objects.exists()
    # The tea is left: the order cannot be marked ready to ship until it is packed too.
    with pytest.raises(InvalidTransition):
        order_transition(order=order, transition="mark_ready_to_ship", actor=packer)
    pack_scan_add(order=order, sku="TEA-7", actor=packer)
    with pytest.raises(InvalidTransition):  # in the open package is not packed
        order_transition(order=order, transition="mark_ready_to_ship", actor=packer)
    open_package_close(order=order, weight_grams=300, actor=packer)
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=packer)
    assert order.status == OrderStatus.READY_TO_SHIP


def test_a_pack_scan_counts_what_closed_packages_already_hold():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)
    pack_scan_add(order=order, sku="MUG-1", actor=packer)
    open_package_close(order=order, weight_grams=500, actor=packer)

    assert pack_scan_add(order=order, sku="MUG-1", actor=packer) == ScanCount("MUG-1", 2, 2)
    before = counts()
    with pytest.raises(OrderConflict, match=r"All 2 x MUG-1 are packed or in the open package"):
        pack_scan_add(order=order, sku="MUG-1", actor=packer)
    assert counts() == before


def test_pack_scan_refusals_change_nothing():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)
    pack_scan_add(order=order, sku="TEA-7", actor=packer)
    before = counts()

    with pytest.raises(OrderValidationError, match="has no SKU 'SOAP-3'"):
        pack_scan_add(order=order, sku="SOAP-3", actor=packer)
    with pytest.raises(OrderConflict, match=r"All 1 x TEA-7"):
        pack_scan_add(order=order, sku="TEA-7", actor=packer)
    with pytest.raises(TransitionPermissionDenied):
        pack_scan_add(order=order, sku="MUG-1", actor=user_with_role(FINANCE))
    with pytest.raises(InvalidTransition, match="while it is packing"):
        pack_scan_add(order=order_in_state(OrderStatus.PICKING), sku="MUG-1", actor=packer)

    assert counts()[2:4] == before[2:4]  # the open package is as it was
    assert OpenPackageLine.objects.get().quantity == 1


def test_closing_needs_a_weight_and_something_in_the_box():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)

    with pytest.raises(OrderValidationError, match="no open package"):
        open_package_close(order=order, weight_grams=500, actor=packer)
    pack_scan_add(order=order, sku="MUG-1", actor=packer)
    before = counts()
    with pytest.raises(OrderValidationError, match="weight"):
        open_package_close(order=order, weight_grams=0, actor=packer)
    assert counts() == before


def test_emptying_the_box_starts_it_again_and_is_noted():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)
    pack_scan_add(order=order, sku="MUG-1", actor=packer)
    pack_scan_add(order=order, sku="TEA-7", actor=packer)

    assert open_package_empty(order=order, actor=packer) == 2

    assert not OpenPackage.objects.exists() and not OpenPackageLine.objects.exists()
    assert "Open package emptied: 1 x MUG-1, 1 x TEA-7 taken out." in order.events.last().note
    assert pack_scan_add(order=order, sku="MUG-1", actor=packer) == ScanCount("MUG-1", 1, 2)


def test_an_order_is_not_ready_to_ship_while_its_open_package_holds_units():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)
    pack_scan_add(order=order, sku="MUG-1", actor=packer)
    # Everything packed some other way (the API's package, the pack form) meanwhile.
    package_create(
        order=order,
        lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        weight_grams=900,
        actor=packer,
    )
    before = counts()

    with pytest.raises(
        InvalidTransition,
        match=r"The open package still holds 1 x MUG-1: close it or empty it first",
    ):
        order_transition(order=order, transition="mark_ready_to_ship", actor=packer)
    assert counts() == before

    open_package_empty(order=order, actor=packer)
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=packer)
    assert order.status == OrderStatus.READY_TO_SHIP


def test_a_held_order_keeps_its_open_package_and_closing_waits_for_packing():
    order = order_in_state(OrderStatus.PACKING)
    packer = user_with_role(WAREHOUSE)
    pack_scan_add(order=order, sku="MUG-1", actor=packer)
    order_transition(order=order, transition="hold", actor=None, reason="address_check")

    with pytest.raises(InvalidTransition):
        open_package_close(order=order, weight_grams=500, actor=packer)
    assert order_open_package_contents(order) == {"MUG-1": 1}

    order_transition(order=order, transition="release", actor=None)
    open_package_close(order=order, weight_grams=500, actor=packer)
    assert list(PackageLine.objects.values_list("quantity", flat=True)) == [1]


# -- a wave pick list ------------------------------------------------------------------


def test_a_wave_scan_picks_for_the_first_order_on_the_list_still_needing_the_sku():
    shelve()
    first, second = sorted(
        (order_in_state(OrderStatus.PICKING) for _ in range(2)), key=lambda o: o.number
    )
    pick_list = pick_list_create(orders=[first, second], actor=None)
    picker = user_with_role(WAREHOUSE)

    tea = [wave_scan_record(pick_list=pick_list, sku="TEA-7", actor=picker) for _ in range(2)]

    assert tea == [
        (first, ScanCount("TEA-7", 1, 1)),
        (second, ScanCount("TEA-7", 1, 1)),
    ]
    before = counts()
    with pytest.raises(OrderConflict, match="still needs TEA-7"):
        wave_scan_record(pick_list=pick_list, sku="TEA-7", actor=picker)
    with pytest.raises(OrderValidationError, match="has SKU 'SOAP-3'"):
        wave_scan_record(pick_list=pick_list, sku="SOAP-3", actor=picker)
    assert counts() == before


def test_a_wave_scan_skips_orders_that_left_picking():
    shelve()
    first, second = sorted(
        (order_in_state(OrderStatus.PICKING) for _ in range(2)), key=lambda o: o.number
    )
    pick_list = pick_list_create(orders=[first, second], actor=None)
    order_transition(order=first, transition="hold", actor=None, reason="address_check")

    order, _ = wave_scan_record(pick_list=pick_list, sku="MUG-1", actor=user_with_role(WAREHOUSE))

    assert order == second
