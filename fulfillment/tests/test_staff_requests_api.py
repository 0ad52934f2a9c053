"""Staff open after-sales requests and ask suppliers for goods through the operations API."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.models import AfterSalesRequest, Supplier, SupplierRequest
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def celery_in_process(tasks_in_process):
    """Every test here runs its tasks in process."""


def staff_api(role: str) -> APIClient:
    client = APIClient()
    user = user_with_role(role)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_customer_care_opens_a_complaint_for_a_customer_on_the_phone():
    order = order_in_state(OrderStatus.DELIVERED)

    response = staff_api(CUSTOMER_CARE).post(
        f"/api/v1/orders/{order.number}/after-sales/",
        {"kind": "complaint", "reason": "Courier left it in the rain"},
        format="json",
    )

    assert response.status_code == 201
    request = AfterSalesRequest.objects.get()
    assert (request.source, request.opened_by.groups.get().name) == ("staff", CUSTOMER_CARE)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY


def test_the_warehouse_may_not_open_after_sales_requests():
    order = order_in_state(OrderStatus.DELIVERED)

    response = staff_api(WAREHOUSE).post(
        f"/api/v1/orders/{order.number}/after-sales/",
        {"kind": "complaint", "reason": "x"},
        format="json",
    )

    assert response.status_code == 403
    assert AfterSalesRequest.objects.count() == 0


def test_customer_care_asks_a_supplier_and_the_order_waits(
    mailoutbox, django_capture_on_commit_callbacks
):
    supplier = Supplier.objects.create(name="Gốm Bát Tràng", email="sales@battrang.example")
    order = order_in_state(OrderStatus.PICKING)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api(CUSTOMER_CARE).post(
            f"/api/v1/orders/{order.number}/supplier-requests/",
            {
                "supplier": supplier.pk,
                "delivery": "warehouse",
                "lines": [{"sku": "MUG-1", "quantity": 2}],
            },
            format="json",
        )

    assert response.status_code == 201
    assert response.json() == {
        "id": SupplierRequest.objects.get().pk,
        "order": order.number,
        "supplier": "Gốm Bát Tràng",
        "delivery": "warehouse",
        "status": "requested",
        "lines": [{"sku": "MUG-1", "quantity": 2}],
    }
    held = Order.objects.get(pk=order.pk)
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, "awaiting_supplier")
    # The supplier is asked once; the customer hears their order is delayed.
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "lan@example.com",
        "sales@battrang.example",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "supplier": 999999,
                "delivery": "warehouse",
                "lines": [{"sku": "MUG-1", "quantity": 1}],
            },
            "supplier",
        ),
        (
            {"supplier": 1, "delivery": "teleport", "lines": [{"sku": "MUG-1", "quantity": 1}]},
            "delivery",
        ),
        ({"supplier": 1, "delivery": "warehouse", "lines": []}, "lines"),
    ],
)
def test_a_bad_supplier_request_names_the_field(body, field):
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api(CUSTOMER_CARE).post(
        f"/api/v1/orders/{order.number}/supplier-requests/", body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert SupplierRequest.objects.count() == 0
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING


def test_the_api_neither_lists_nor_runs_the_bare_open_after_sales_transition():
    client = staff_api(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.DELIVERED)
    url = f"/api/v1/orders/{order.number}/transitions/"

    listed = client.get(url).json()["transitions"]
    response = client.post(url, {"transition": "open_after_sales"}, format="json")

    assert "open_after_sales" not in [option["name"] for option in listed]
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert response.json()["error"]["details"]["use"] == "after_sales_request_open"
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (OrderStatus.DELIVERED, order.version)
    assert not AfterSalesRequest.objects.exists()
