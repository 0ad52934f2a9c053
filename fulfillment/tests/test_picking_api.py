"""The picking operations endpoints: record picks, create a wave pick list."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.models import InventoryItem, PickList
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db


def staff_api(role: str = WAREHOUSE) -> APIClient:
    client = APIClient()
    user = user_with_role(role)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


def test_a_short_pick_through_the_api_holds_the_order_for_stock():
    InventoryItem.objects.create(sku="MUG-1", location="A-01", quantity_on_hand=1)
    InventoryItem.objects.create(sku="TEA-7", location="B-02", quantity_on_hand=5)
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/picks/",
        {"picks": [{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == [
        {"sku": "MUG-1", "quantity_picked": 1, "quantity_short": 1},
        {"sku": "TEA-7", "quantity_picked": 1, "quantity_short": 0},
    ]
    held = Order.objects.get(pk=order.pk)
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 0


def test_picking_an_order_that_is_not_picking_is_409():
    order = order_in_state(OrderStatus.PROCESSING)

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/picks/",
        {"picks": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_a_wave_pick_list_is_created_and_printable():
    client = staff_api()
    first, second = order_in_state(OrderStatus.PICKING), order_in_state(OrderStatus.PICKING)

    response = client.post(
        "/api/v1/pick-lists/", {"orders": [first.number, second.number]}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["orders"] == sorted([first.number, second.number])
    assert body["print_url"] == f"/fulfillment/pick-lists/{body['id']}/"
    assert set(PickList.objects.get().orders.all()) == {first, second}
    from django.test import Client

    browser = Client()
    browser.force_login(client.user)
    page = browser.get(body["print_url"])
    assert page.status_code == 200
    assert "MUG-1" in page.content.decode()


@pytest.mark.parametrize(("orders", "status"), [(["NOSUCHORDER"], 400), ([], 400)])
def test_a_wave_pick_list_names_what_is_wrong(orders, status):
    response = staff_api().post("/api/v1/pick-lists/", {"orders": orders}, format="json")

    assert response.status_code == status
    assert "orders" in response.json()["error"]["details"]
    assert PickList.objects.count() == 0


def test_customer_care_cannot_record_picks():
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api(CUSTOMER_CARE).post(
        f"/api/v1/orders/{order.number}/picks/",
        {"picks": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).version == order.version


def test_a_short_the_picker_reports_is_recorded_and_holds_the_order_though_stock_says_more():
    InventoryItem.objects.create(sku="MUG-1", location="A-01", quantity_on_hand=9)
    InventoryItem.objects.create(sku="TEA-7", location="B-02", quantity_on_hand=5)
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/picks/",
        {"picks": [{"sku": "MUG-1", "quantity": 1, "short": 1}, {"sku": "TEA-7", "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 201
    assert response.json() == [
        {"sku": "MUG-1", "quantity_picked": 1, "quantity_short": 1},
        {"sku": "TEA-7", "quantity_picked": 1, "quantity_short": 0},
    ]
    held = Order.objects.get(pk=order.pk)
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 8


@pytest.mark.parametrize(
    ("pick", "field"),
    [
        ({"sku": "MUG-1", "quantity": 0}, "picks[0].quantity"),
        ({"sku": "MUG-1", "quantity": 2, "short": 1}, "picks[0].quantity"),
        ({"sku": "MUG-1", "quantity": 1, "short": -1}, "picks[0].short"),
    ],
)
def test_a_pick_that_records_nothing_or_too_much_is_400_and_writes_nothing(pick, field):
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/picks/", {"picks": [pick]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]
    assert Order.objects.get(pk=order.pk).version == order.version
