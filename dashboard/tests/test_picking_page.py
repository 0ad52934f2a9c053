"""Recording picks per line from the order page: picked, short (which holds the order)."""

import re

import pytest
from django.test import Client

from fulfillment.models import InventoryItem, PickRecord
from orders.models import Order, OrderEventType, OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db


def line_of(order: Order):
    return order.lines.get(sku="MUG-1")  # order_make: 2 x MUG-1


def test_the_page_shows_a_form_per_line_with_what_is_left(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    html = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert "Left to pick: 2 x MUG-1" in html
    assert re.search(rf'name="picked-{line.pk}"[^>]*value="2"', html)
    assert re.search(rf'name="short-{line.pk}"[^>]*value="0"', html)
    assert "<td>A-01-1</td>" in html


def test_the_floor_records_a_full_pick_and_the_panel_comes_back(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "2", f"short-{line.pk}": "0"},
        **htmx,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Everything is picked." in html
    assert "Left to pick" not in html
    assert 'data-transition="start_packing"' in html  # packing may start now
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 3
    assert list(PickRecord.objects.values_list("quantity_picked", "quantity_short")) == [(2, 0)]


def test_a_partial_pick_without_javascript_redirects_and_leaves_the_rest(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "1", f"short-{line.pk}": ""},
    )
    page = client.get(response["Location"]).content.decode()

    assert (response.status_code, response["Location"]) == (
        302,
        f"/dashboard/orders/{order.number}/",
    )
    assert "Picked 1." in page
    assert "Left to pick: 1 x MUG-1" in page
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING


def test_a_short_pick_holds_the_order_for_stock_as_the_api_does(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "1", f"short-{line.pk}": "1"},
        follow=True,
    )

    assert "1 short, so the order is on hold" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")
    assert list(PickRecord.objects.values_list("quantity_picked", "quantity_short")) == [(1, 1)]
    # The picker's word is taken: one unit left the shelf, the missing one did not.
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 4
    pick_event = order.events.get(event_type=OrderEventType.PICK_RECORDED)
    assert pick_event.data == {"picked": {"MUG-1": 1}, "short": {"MUG-1": 1}}


def test_an_empty_shelf_makes_a_short_pick_even_when_the_picker_asked_for_it(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=1)
    line = line_of(order)

    client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "2", f"short-{line.pk}": "0"},
    )

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")


@pytest.mark.parametrize(
    ("picked", "short", "words"),
    [
        ("3", "0", "Only 2 x MUG-1 is left to pick."),
        ("1", "2", "Only 2 x MUG-1 is left to pick."),
        ("two", "0", "Must be a whole number, 0 or more."),
        ("-1", "0", "Must be a whole number, 0 or more."),
        ("0", "0", "Name what was picked."),
    ],
)
def test_bad_quantities_are_a_form_error_and_nothing_is_written(client, htmx, picked, short, words):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": picked, f"short-{line.pk}": short},
        **htmx,
    )

    assert response.status_code == 400
    assert words in response.content.decode()
    assert not PickRecord.objects.exists()
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 5
    assert Order.objects.get(pk=order.pk).version == order.version


def test_a_stale_page_is_refused_with_412_and_nothing_is_picked(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    line = line_of(order)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version - 1, f"picked-{line.pk}": "2"},
        **htmx,
    )

    assert response.status_code == 412
    assert "changed since you loaded it" in response.content.decode()
    assert not PickRecord.objects.exists()


def test_someone_who_may_not_pick_sees_no_form_and_is_refused(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("picking")
    line = line_of(order)

    page = client.get(f"/dashboard/orders/{order.number}/")
    response = client.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "2"},
    )

    assert "Left to pick" not in page.content.decode()
    assert response.status_code == 403
    assert not PickRecord.objects.exists()


def test_the_pick_form_needs_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    line = line_of(order)

    response = strict.post(
        f"/dashboard/orders/{order.number}/pick/",
        {"version": order.version, f"picked-{line.pk}": "2"},
    )

    assert response.status_code == 403
    assert not PickRecord.objects.exists()
