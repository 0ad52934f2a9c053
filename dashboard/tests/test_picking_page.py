"""Recording picks from the order page."""

import pytest

from fulfillment.models import InventoryItem, PickRecord
from orders.models import OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db


def test_the_floor_records_everything_left_as_picked(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)

    page = client.get(f"/dashboard/orders/{order.number}/")
    response = client.post(
        f"/dashboard/orders/{order.number}/pick/", {"version": order.version}, **htmx
    )

    assert "Left to pick: 2 x MUG-1" in page.content.decode()
    assert response.status_code == 200
    assert "Everything is picked." in response.content.decode()
    assert "Left to pick" not in response.content.decode()
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 3


def test_a_short_shelf_puts_the_order_on_hold_and_says_so(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=1)

    response = client.post(
        f"/dashboard/orders/{order.number}/pick/", {"version": order.version}, follow=True
    )

    assert "1 short, so the order is on hold" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")


def test_someone_who_may_not_pick_sees_no_form_and_is_refused(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("picking")

    page = client.get(f"/dashboard/orders/{order.number}/")
    response = client.post(f"/dashboard/orders/{order.number}/pick/", {"version": order.version})

    assert "Left to pick" not in page.content.decode()
    assert response.status_code == 403
    assert not PickRecord.objects.exists()
