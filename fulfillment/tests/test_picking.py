"""Pick lists, recording picks (short picks hold the order) and the printable pages."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from fulfillment.models import InventoryItem, PickList, PickRecord
from fulfillment.selectors import pick_list_rows
from fulfillment.services.picking import pick_list_create, picking_record
from orders.models import HoldReason, Order, OrderEvent, OrderEventType, OrderStatus
from orders.tests.factories import UserFactory, order_in_state, order_pack_everything
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied

pytestmark = pytest.mark.django_db

SOAP = {"sku": "SOAP-3", "name": "Soap", "quantity": 4, "unit_price": "30000"}
MUG = {"sku": "MUG-1", "name": "Mug", "quantity": 1, "unit_price": "120000"}


def stock(**on_hand) -> None:
    """Shelve MUG-1 at B-02-1 and TEA-7 at A-01-3 with the given quantities on hand."""
    InventoryItem.objects.create(
        sku="MUG-1", name="Mug, white", location="B-02-1", quantity_on_hand=on_hand.get("mug", 10)
    )
    InventoryItem.objects.create(
        sku="TEA-7", name="Green tea", location="A-01-3", quantity_on_hand=on_hand.get("tea", 10)
    )


def staff_client(*codenames: str) -> Client:
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def note_events(order: Order) -> list[OrderEvent]:
    return list(order.events.filter(event_type=OrderEventType.PICK_RECORDED).order_by("id"))


# -- pick lists --------------------------------------------------------------


def test_batch_pick_list_sums_quantities_per_sku_and_location_sorted_by_location():
    stock()
    first = order_in_state(OrderStatus.PICKING)  # 2 x MUG-1, 1 x TEA-7
    second = order_in_state(OrderStatus.PICKING)  # 2 x MUG-1, 1 x TEA-7
    third = order_in_state(OrderStatus.PICKING, lines=[MUG, SOAP])  # SOAP-3 is not shelved

    pick_list = pick_list_create(orders=[first, second, third], actor=None)

    all_three = sorted([first.number, second.number, third.number])
    assert pick_list_rows(pick_list) == [
        {
            "sku": "TEA-7",
            "name": "Green tea",
            "location": "A-01-3",
            "quantity": 2,
            "order_numbers": sorted([first.number, second.number]),
        },
        {
            "sku": "MUG-1",
            "name": "Mug, white",
            "location": "B-02-1",
            "quantity": 5,
            "order_numbers": all_three,
        },
        {
            "sku": "SOAP-3",
            "name": "Soap",
            "location": "—",
            "quantity": 4,
            "order_numbers": [third.number],
        },
    ]
    assert sorted(pick_list.orders.values_list("number", flat=True)) == all_three


def test_pick_list_refuses_orders_that_are_not_picking_naming_them():
    picking = order_in_state(OrderStatus.PICKING)
    processing = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(OrderValidationError) as refusal:
        pick_list_create(orders=[picking, processing], actor=None)

    assert refusal.value.details == {"orders": [f"Order {processing.number} is not picking."]}
    assert PickList.objects.count() == 0


def test_pick_list_needs_the_add_picklist_permission():
    order = order_in_state(OrderStatus.PICKING)

    with pytest.raises(TransitionPermissionDenied):
        pick_list_create(orders=[order], actor=UserFactory())
    assert PickList.objects.count() == 0

    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_picklist"))
    pick_list = pick_list_create(orders=[order], actor=user)
    assert pick_list.created_by == user


def test_pick_list_rows_query_count_does_not_grow_with_orders(django_assert_max_num_queries):
    stock()
    few = pick_list_create(orders=[order_in_state(OrderStatus.PICKING)], actor=None)
    many = pick_list_create(
        orders=[order_in_state(OrderStatus.PICKING) for _ in range(6)], actor=None
    )

    # The lines, what was picked, what a supplier delivered, the shelves.
    with django_assert_max_num_queries(4):
        assert len(pick_list_rows(few)) == 2
    with django_assert_max_num_queries(4):
        rows = pick_list_rows(many)
    assert [(row["sku"], row["quantity"], len(row["order_numbers"])) for row in rows] == [
        ("TEA-7", 6, 6),
        ("MUG-1", 12, 6),
    ]


# -- recording picks -----------------------------------------------------------


def test_full_pick_writes_records_lowers_stock_and_leaves_the_order_picking():
    stock(mug=5, tea=1)
    order = order_in_state(OrderStatus.PICKING)

    records = picking_record(
        order=order,
        picks=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        actor=None,
    )

    assert [(r.order_line.sku, r.quantity_picked, r.quantity_short) for r in records] == [
        ("MUG-1", 2, 0),
        ("TEA-7", 1, 0),
    ]
    assert PickRecord.objects.count() == 2
    assert dict(InventoryItem.objects.values_list("sku", "quantity_on_hand")) == {
        "MUG-1": 3,
        "TEA-7": 0,
    }
    order.refresh_from_db()
    assert order.status == OrderStatus.PICKING
    assert order.hold_reason == ""
    assert order.version == 4  # created 1, confirm 2, start_picking 3, picks 4
    [note] = note_events(order)
    assert note.note == "Picked: 2 x MUG-1, 1 x TEA-7."
    assert note.customer_visible is False
    assert note.data == {"picked": {"MUG-1": 2, "TEA-7": 1}, "short": {}}


def test_short_pick_holds_the_order_for_stock_shortage_and_records_what_is_missing():
    stock(mug=1, tea=1)
    order = order_in_state(OrderStatus.PICKING)

    records = picking_record(
        order=order,
        picks=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        actor=None,
    )

    assert [(r.order_line.sku, r.quantity_picked, r.quantity_short) for r in records] == [
        ("MUG-1", 1, 1),
        ("TEA-7", 1, 0),
    ]
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.STOCK_SHORTAGE
    assert order.held_from_status == OrderStatus.PICKING
    [note] = note_events(order)
    assert note.note == "Picked: 1 x MUG-1, 1 x TEA-7. Short: 1 x MUG-1."
    assert note.data == {"picked": {"MUG-1": 1, "TEA-7": 1}, "short": {"MUG-1": 1}}
    hold = order.events.get(transition="hold")
    assert (hold.from_status, hold.to_status, hold.reason, hold.note, hold.actor) == (
        OrderStatus.PICKING,
        OrderStatus.ON_HOLD,
        HoldReason.STOCK_SHORTAGE,
        "Short pick: 1 x MUG-1",
        None,
    )


def test_a_sku_with_no_inventory_record_is_picked_short():
    order = order_in_state(OrderStatus.PICKING)

    [record] = picking_record(order=order, picks=[{"sku": "TEA-7", "quantity": 1}], actor=None)

    assert (record.quantity_picked, record.quantity_short) == (0, 1)
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


def test_picks_already_recorded_count_against_the_line():
    stock()
    order = order_in_state(OrderStatus.PICKING)
    picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 2}], actor=None)

    with pytest.raises(OrderValidationError) as refusal:
        picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 1}], actor=None)

    assert refusal.value.details == {"picks[0].quantity": ["Only 0 x MUG-1 is left to pick."]}


@pytest.mark.parametrize(
    ("status", "picks", "error", "details"),
    [
        (
            OrderStatus.PROCESSING,
            [{"sku": "MUG-1", "quantity": 1}],
            InvalidTransition,
            {"status": "processing"},
        ),
        (
            OrderStatus.PICKING,
            [{"sku": "MUG-1", "quantity": 1}, {"sku": "NOPE-9", "quantity": 1}],
            OrderValidationError,
            {"picks[1].sku": ["Order {number} has no SKU 'NOPE-9'."]},
        ),
        (
            OrderStatus.PICKING,
            [{"sku": "MUG-1", "quantity": 3}],
            OrderValidationError,
            {"picks[0].quantity": ["Only 2 x MUG-1 is left to pick."]},
        ),
        (
            OrderStatus.PICKING,
            [{"sku": "TEA-7", "quantity": 0}],
            OrderValidationError,
            {"picks[0].quantity": ["Pick or record short at least one unit."]},
        ),
    ],
    ids=["order-not-picking", "unknown-sku", "too-many", "zero"],
)
def test_refused_picks_write_nothing(status, picks, error, details):
    stock(mug=5, tea=5)
    order = order_in_state(status)
    events_before = order.events.count()

    with pytest.raises(error) as refusal:
        picking_record(order=order, picks=picks, actor=None)

    expected = {
        key: [message.format(number=order.number) for message in value]
        if isinstance(value, list)
        else value
        for key, value in details.items()
    }
    assert refusal.value.details == expected
    assert PickRecord.objects.count() == 0
    assert dict(InventoryItem.objects.values_list("sku", "quantity_on_hand")) == {
        "MUG-1": 5,
        "TEA-7": 5,
    }
    order.refresh_from_db()
    assert order.status == status
    assert order.events.count() == events_before


def test_recording_picks_needs_the_add_pickrecord_permission():
    stock()
    order = order_in_state(OrderStatus.PICKING)

    with pytest.raises(TransitionPermissionDenied):
        picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 2}], actor=UserFactory())
    assert PickRecord.objects.count() == 0

    picker = UserFactory()
    picker.user_permissions.add(Permission.objects.get(codename="add_pickrecord"))
    [record] = picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 2}], actor=picker)
    assert record.picked_by == picker
    assert note_events(order)[0].actor == picker


# -- printable pages -----------------------------------------------------------


def test_batch_pick_list_page_shows_rows_with_summed_quantities_and_tick_boxes():
    stock()
    first = order_in_state(OrderStatus.PICKING)
    second = order_in_state(OrderStatus.PICKING)
    pick_list = pick_list_create(orders=[first, second], actor=None)

    response = staff_client("view_picklist").get(f"/fulfillment/pick-lists/{pick_list.pk}/")

    assert response.status_code == 200
    assert response.context["rows"] == pick_list_rows(pick_list)
    html = response.content.decode()
    assert f"Pick list #{pick_list.pk}" in html
    assert '<td class="location">A-01-3</td>' in html
    assert '<td class="location">B-02-1</td>' in html
    assert '<td class="num">4</td>' in html  # 2 + 2 x MUG-1
    assert html.index("TEA-7") < html.index("MUG-1")  # A-01-3 is walked before B-02-1
    assert ", ".join(sorted([first.number, second.number])) in html
    assert html.count('<span class="box"></span>') == 2
    assert "<script" not in html


def test_single_order_pick_list_page_is_built_without_saving():
    stock()
    order = order_in_state(OrderStatus.PICKING)

    response = staff_client("view_picklist").get(f"/fulfillment/orders/{order.number}/pick-list/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Pick list for order {order.number}" in html
    assert '<td class="location">B-02-1</td>' in html
    assert '<td class="num">2</td>' in html
    assert "Mug, white" in html
    assert PickList.objects.count() == 0


def test_packing_slip_page_shows_store_order_address_lines_weight_and_position():
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))
    package = order.packages.get()

    response = staff_client("view_package").get(f"/fulfillment/packages/{package.pk}/slip/")

    assert response.status_code == 200
    html = response.content.decode()
    assert order.storefront.name in html
    assert order.number in html
    assert "Nguyễn Thị Lan" in html
    assert "12 Lê Lợi" in html
    assert "TP. Hồ Chí Minh 700000" in html
    assert "MUG-1" in html
    assert '<td class="num">2</td>' in html
    assert "1200 g" in html
    assert "Package 1 of 1" in html
    assert "lan@example.com" not in html
    assert "+84901234567" not in html


def _page_urls() -> list[tuple[str, str]]:
    stock()
    picking = order_in_state(OrderStatus.PICKING)
    pick_list = pick_list_create(orders=[picking], actor=None)
    packed = order_pack_everything(order_in_state(OrderStatus.PACKING))
    return [
        (f"/fulfillment/pick-lists/{pick_list.pk}/", "view_picklist"),
        (f"/fulfillment/orders/{picking.number}/pick-list/", "view_picklist"),
        (f"/fulfillment/packages/{packed.packages.get().pk}/slip/", "view_package"),
    ]


def test_pages_send_anonymous_users_to_log_in():
    for url, _ in _page_urls():
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/admin/login/?next={url}"


def test_pages_refuse_staff_without_the_view_permission():
    for url, codename in _page_urls():
        other = "view_package" if codename == "view_picklist" else "view_picklist"
        assert staff_client(other).get(url).status_code == 403, url
        assert staff_client(codename).get(url).status_code == 200, url


def test_pages_send_non_staff_users_to_log_in_even_with_the_permission():
    for url, codename in _page_urls():
        user = UserFactory(is_staff=False)
        user.user_permissions.add(Permission.objects.get(codename=codename))
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 302, url
