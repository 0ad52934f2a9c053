"""`POST /api/v1/orders/<number>/split/` and the back-order links in the order read."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import FINANCE, WAREHOUSE
from orders.services import order_split
from orders.tests.factories import (
    order_in_state,
    order_new,
    order_pick_everything,
    user_with_role,
)

pytestmark = pytest.mark.django_db

MUGS = [{"sku": "MUG-1", "quantity": 1}]


def staff_client(role: str) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=user_with_role(role))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def split(client, number, lines=MUGS, reason="Mugs arrive Friday", **headers):
    return client.post(
        f"/api/v1/orders/{number}/split/",
        {"reason": reason, "lines": lines},
        format="json",
        **headers,
    )


def test_staff_split_answers_201_with_the_back_order():
    order = order_in_state(
        OrderStatus.PROCESSING, payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID
    )

    response = split(staff_client(WAREHOUSE), order.number, HTTP_IF_MATCH=f'"{order.version}"')

    assert response.status_code == 201
    backorder = response.json()["backorder"]
    assert backorder["backorder_of"] == order.number
    assert backorder["backorders"] == []
    assert backorder["status"] == "processing"
    assert backorder["payment_status"] == "paid"
    assert backorder["external_id"] == f"{order.external_id}-B1"
    assert [(line["sku"], line["quantity"]) for line in backorder["lines"]] == [("MUG-1", 1)]
    assert (backorder["total"], backorder["shipping_price"], backorder["amount_paid"]) == (
        "120000.00",
        "0.00",
        "120000.00",
    )
    assert backorder["tracking_url"].startswith("http")
    original = staff_client(WAREHOUSE).get(f"/api/v1/orders/{order.number}/").json()
    assert original["backorders"] == [backorder["number"]]
    assert original["backorder_of"] is None
    assert Decimal(original["total"]) + Decimal(backorder["total"]) == Decimal("355001")
    assert original["version"] == order.version + 1


def test_storefront_keys_may_not_split(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)

    response = split(client, order.number)

    assert response.status_code == 403
    assert not Order.objects.filter(backorder_of=order).exists()


def test_staff_without_the_permission_get_403():
    order = order_in_state(OrderStatus.PROCESSING)

    response = split(staff_client(FINANCE), order.number)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Order.objects.filter(backorder_of=order).exists()


def test_a_stale_if_match_is_412():
    order = order_in_state(OrderStatus.PROCESSING)

    response = split(staff_client(WAREHOUSE), order.number, HTTP_IF_MATCH='"1"')

    assert order.version > 1
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    assert not Order.objects.filter(backorder_of=order).exists()


def test_a_picked_line_is_409_conflict_naming_it():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))

    response = split(staff_client(WAREHOUSE), order.number)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["sku"] == "MUG-1"
    assert "lines[0].quantity" in error["details"]


def test_moving_everything_is_409_and_a_shipped_order_is_invalid_transition():
    order = order_in_state(OrderStatus.PROCESSING)
    shipped = order_in_state(OrderStatus.SHIPPED)
    client = staff_client(WAREHOUSE)

    everything = split(
        client,
        order.number,
        lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
    )
    too_late = split(client, shipped.number)

    assert everything.status_code == 409
    assert everything.json()["error"]["code"] == "conflict"
    assert too_late.status_code == 409
    assert too_late.json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": MUGS}, "reason"),
        ({"reason": "later", "lines": []}, "lines"),
        ({"reason": "later", "lines": [{"sku": "MUG-1", "quantity": 0}]}, "lines[0].quantity"),
        ({"reason": "later", "lines": [{"sku": "NOPE", "quantity": 1}]}, "lines[0].sku"),
    ],
)
def test_a_bad_body_is_400_validation_error(body, field):
    order = order_in_state(OrderStatus.PROCESSING)

    response = staff_client(WAREHOUSE).post(
        f"/api/v1/orders/{order.number}/split/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["details"]


def test_an_unknown_order_is_404():
    response = split(staff_client(WAREHOUSE), "OR0000000000")

    assert response.status_code == 404


def test_the_list_shows_the_links_without_a_query_per_order(shop):
    storefront, client = shop
    first = order_in_state(OrderStatus.PROCESSING, storefront=storefront)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/api/v1/orders/").status_code == 200

    warehouse = user_with_role(WAREHOUSE)
    backorders = []
    for _ in range(3):
        order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)
        backorders.append(
            order_split(order=order, actor=warehouse, reason="later", lines=MUGS).number
        )
    order_new(storefront=storefront)
    with CaptureQueriesContext(connection) as big:
        results = client.get("/api/v1/orders/").json()["results"]

    assert len(big.captured_queries) == len(small.captured_queries)
    by_number = {row["number"]: row for row in results}
    assert len(results) == 8
    assert by_number[first.number]["backorders"] == []
    linked = [row for row in results if row["backorders"]]
    assert sorted(number for row in linked for number in row["backorders"]) == sorted(backorders)
    for row in linked:
        assert by_number[row["backorders"][0]]["backorder_of"] == row["number"]
