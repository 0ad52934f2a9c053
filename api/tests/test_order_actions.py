"""Cancel, after-sales and the staff transition endpoints."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.models import AfterSalesRequest
from orders.models import Order, OrderStatus
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import order_in_state, order_pick_everything, user_with_role

pytestmark = pytest.mark.django_db


def cancel(client, number, reason="Customer changed their mind", **headers):
    return client.post(
        f"/api/v1/orders/{number}/cancel/", {"reason": reason}, format="json", **headers
    )


@pytest.mark.parametrize("state", [OrderStatus.RECEIVED, OrderStatus.PACKING])
def test_cancel_before_shipping_is_200_with_the_cancelled_order(shop, state):
    storefront, client = shop
    order = order_in_state(state, storefront=storefront)

    response = cancel(client, order.number)

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_display"]) == (
        "cancelled",
        "Cancelled",
    )
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.cancel_reason) == ("cancelled", "Customer changed their mind")
    assert response["ETag"] == f'"{stored.version}"'


@pytest.mark.parametrize("state", [OrderStatus.SHIPPED, OrderStatus.DELIVERED])
def test_cancel_after_shipping_is_409_invalid_transition(shop, state):
    storefront, client = shop
    order = order_in_state(state, storefront=storefront)

    response = cancel(client, order.number)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == state


def test_cancel_needs_a_reason(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.RECEIVED, storefront=storefront)

    response = client.post(f"/api/v1/orders/{order.number}/cancel/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"reason": ["This field is required."]}


def test_cancel_with_a_stale_if_match_is_412(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)

    response = cancel(client, order.number, HTTP_IF_MATCH='"1"')

    assert response.status_code == 412
    assert response.json()["error"]["code"] == "precondition_failed"
    assert Order.objects.get(pk=order.pk).status == "processing"


def test_after_sales_before_delivery_is_409(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.SHIPPED, storefront=storefront)

    response = client.post(
        f"/api/v1/orders/{order.number}/after-sales/",
        {"kind": "return", "reason": "Too small", "lines": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert AfterSalesRequest.objects.count() == 0


def test_after_sales_after_delivery_is_201_and_moves_the_order_on(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.DELIVERED, storefront=storefront)

    response = client.post(
        f"/api/v1/orders/{order.number}/after-sales/",
        {"kind": "return", "reason": "Cracked", "lines": [{"sku": "MUG-1", "quantity": 2}]},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["order"], body["kind"], body["status"], body["lines"]) == (
        order.number,
        "return",
        "open",
        [{"sku": "MUG-1", "quantity": 2}],
    )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY
    detail = client.get(f"/api/v1/orders/{order.number}/").json()
    assert detail["status_display"] == "Return or request in progress"
    assert [r["kind"] for r in detail["after_sales_requests"]] == ["return"]

    second = client.post(
        f"/api/v1/orders/{order.number}/after-sales/",
        {"kind": "complaint", "reason": "Courier was rude"},
        format="json",
    )
    assert second.status_code == 201
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "return", "reason": "x", "lines": [{"sku": "NOPE", "quantity": 1}]},
         "lines[0].sku"),
        ({"kind": "return", "reason": "x", "lines": [{"sku": "MUG-1", "quantity": 3}]},
         "lines[0].quantity"),
        ({"kind": "return", "reason": "x", "lines": []}, "lines"),
        ({"kind": "tantrum", "reason": "x"}, "kind"),
        ({"kind": "complaint"}, "reason"),
    ],
)  # fmt: skip
def test_after_sales_names_the_bad_field(shop, body, field):
    storefront, client = shop
    order = order_in_state(OrderStatus.DELIVERED, storefront=storefront)

    response = client.post(f"/api/v1/orders/{order.number}/after-sales/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    assert AfterSalesRequest.objects.count() == 0


def staff_client(role: str) -> APIClient:
    user = user_with_role(role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_staff_lists_the_transitions_their_role_allows_now():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))

    manager = staff_client(MANAGER).get(f"/api/v1/orders/{order.number}/transitions/")
    warehouse = staff_client(WAREHOUSE).get(f"/api/v1/orders/{order.number}/transitions/")

    assert manager.status_code == 200
    assert [t["name"] for t in manager.json()["transitions"]] == [
        "start_packing",
        "cancel",
        "hold",
        "authorize_payment",
        "capture_payment",
        "void_payment",
    ]
    hold = next(t for t in manager.json()["transitions"] if t["name"] == "hold")
    assert hold["needs_reason"] is True
    assert "stock_shortage" in hold["reason_choices"]
    assert [t["name"] for t in warehouse.json()["transitions"]] == ["start_packing", "hold"]
    floor_hold = warehouse.json()["transitions"][1]
    assert floor_hold["reason_choices"] == ["stock_shortage", "address_check"]
    assert warehouse["ETag"] == f'"{order.version}"'


def test_staff_runs_a_transition_with_if_match():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))
    client = staff_client(WAREHOUSE)
    url = f"/api/v1/orders/{order.number}/transitions/"

    response = client.post(
        url, {"transition": "start_packing"}, format="json", HTTP_IF_MATCH=f'"{order.version}"'
    )
    stale = client.post(
        url,
        {"transition": "mark_ready_to_ship"},
        format="json",
        HTTP_IF_MATCH=f'"{order.version}"',
    )

    assert response.status_code == 200
    assert response.json()["status"] == "packing"
    assert response["ETag"] == f'"{order.version + 1}"'
    assert stale.status_code == 412
    assert Order.objects.get(pk=order.pk).status == "packing"


@pytest.mark.parametrize(
    ("transition", "status", "code"),
    [
        ("confirm", 403, "permission_denied"),
        ("deliver", 403, "permission_denied"),
        ("ship", 409, "invalid_transition"),
        ("fly", 400, "validation_error"),
    ],
)
def test_staff_transition_refusals_use_the_documented_codes(transition, status, code):
    order = order_in_state(OrderStatus.PICKING)

    response = staff_client(WAREHOUSE).post(
        f"/api/v1/orders/{order.number}/transitions/", {"transition": transition}, format="json"
    )

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Order.objects.get(pk=order.pk).version == order.version


def test_malformed_if_match_is_400():
    order = order_in_state(OrderStatus.PICKING)

    response = staff_client(MANAGER).post(
        f"/api/v1/orders/{order.number}/transitions/",
        {"transition": "start_packing"},
        format="json",
        HTTP_IF_MATCH="yesterday",
    )

    assert response.status_code == 400
    assert "If-Match" in response.json()["error"]["details"]


def test_storefront_keys_cannot_run_staff_transitions(shop):
    storefront, client = shop
    order = order_in_state(OrderStatus.PICKING, storefront=storefront)

    response = client.post(
        f"/api/v1/orders/{order.number}/transitions/",
        {"transition": "start_packing"},
        format="json",
    )

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "picking"
