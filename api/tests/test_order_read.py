"""GET /api/v1/orders/ and /api/v1/orders/<number>/: contents, isolation, pages, filters."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order
from orders.services import order_transition
from orders.tests.factories import order_new, transition_prepare

from .conftest import create, order_body

pytestmark = pytest.mark.django_db

DETAIL_FIELDS = {
    "number",
    "backorder_of",
    "backorders",
    "external_id",
    "status",
    "status_display",
    "payment_status",
    "payment_method",
    "priority",
    "currency",
    "platform_reference",
    "subtotal",
    "discount_total",
    "tax_total",
    "taxes_included",
    "shipping_price",
    "total",
    "amount_paid",
    "amount_refunded",
    "balance_due",
    "version",
    "lines",
    "customer",
    "shipping_address",
    "shipments",
    "events",
    "after_sales_requests",
    "tracking_url",
    "placed_at",
    "promised_delivery_date",
    "created_at",
    "updated_at",
}


def test_detail_has_the_documented_fields(shop):
    _, client = shop
    number = create(client).json()["number"]

    response = client.get(f"/api/v1/orders/{number}/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == DETAIL_FIELDS
    assert response["ETag"] == '"1"'
    assert body["customer"] == {
        "email": "lan@example.com",
        "name": "Nguyễn Thị Lan",
        "phone": "+84901234567",
    }
    assert body["shipping_address"]["country"] == "VN"
    assert body["tracking_url"].startswith("http://127.0.0.1:8000/track/")
    assert body["shipments"] == []


def test_events_show_only_what_customers_may_read(shop):
    storefront, client = shop
    order = order_new(storefront=storefront, payment_method="card")
    for transition in ["authorize_payment", "confirm", "start_picking"]:
        order = order_transition(
            order=order, transition=transition, actor=None, note="picker Minh, shelf B3"
        )
    order_transition(order=order, transition="hold", actor=None, reason="stock_shortage")

    body = client.get(f"/api/v1/orders/{order.number}/").json()

    assert [
        (e["type"], e["from_status"], e["to_status"], e["message"]) for e in body["events"]
    ] == [
        ("created", "", "received", "Order received"),
        ("status_changed", "received", "processing", "Order confirmed"),
        ("status_changed", "processing", "picking", "Picking started"),
        (
            "status_changed",
            "picking",
            "on_hold",
            "Order delayed: An item is temporarily out of stock",
        ),
    ]
    assert "shelf B3" not in str(body)
    assert body["status_display"] == "Delayed"


def test_another_storefronts_order_is_not_found_anywhere(shop, other_shop):
    _, client = shop
    _, rival = other_shop
    number = create(client).json()["number"]

    answers = [
        rival.get(f"/api/v1/orders/{number}/"),
        rival.post(f"/api/v1/orders/{number}/cancel/", {"reason": "x"}, format="json"),
        rival.post(
            f"/api/v1/orders/{number}/after-sales/",
            {"kind": "complaint", "reason": "x"},
            format="json",
        ),
        rival.get(f"/api/v1/orders/{number}/transitions/"),
    ]

    assert [answer.status_code for answer in answers[:3]] == [404, 404, 404]
    assert answers[0].json() == client.get("/api/v1/orders/NOSUCHORDR/").json()
    assert answers[3].status_code == 403  # staff only, whatever the order
    assert rival.get("/api/v1/orders/").json()["results"] == []
    assert rival.get("/api/v1/orders/", {"external_id": "WEB-1"}).json()["results"] == []
    assert Order.objects.get(number=number).status == "received"


def test_list_pages_through_every_order_once_with_a_cursor(shop):
    _, client = shop
    numbers = {
        create(client, order_body(external_id=f"WEB-{i}"), key=f"k{i}").json()["number"]
        for i in range(7)
    }

    seen, url, pages = [], "/api/v1/orders/?page_size=3", 0
    while url:
        page = client.get(url).json()
        seen += [order["number"] for order in page["results"]]
        url, pages = page["next"], pages + 1

    assert pages == 3
    assert len(seen) == 7
    assert set(seen) == numbers


def test_list_filters_by_status_updated_after_and_external_id(shop):
    storefront, client = shop
    old = order_new(storefront=storefront)
    fresh = order_new(storefront=storefront)
    order_transition(order=fresh, transition="confirm", actor=None)
    Order.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def numbers(**params):
        response = client.get("/api/v1/orders/", params)
        assert response.status_code == 200
        return [order["number"] for order in response.json()["results"]]

    assert numbers(status="processing") == [fresh.number]
    assert numbers(status="received") == [old.number]
    assert numbers(updated_after=since) == [fresh.number]
    assert numbers(external_id=old.external_id) == [old.number]
    assert numbers(status="processing", external_id=old.external_id) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "teleported"}, "status"),
        ({"updated_after": "last tuesday"}, "updated_after"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_bad_list_parameters_are_400_naming_them(shop, params, field):
    _, client = shop

    response = client.get("/api/v1/orders/", params)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_staff_token_sees_every_storefronts_orders(shop, other_shop, django_user_model):
    _, client = shop
    _, rival = other_shop
    mine = create(client).json()["number"]
    theirs = create(rival).json()["number"]
    staff = django_user_model.objects.create_user("ops", is_staff=True)
    staff_client = APIClient()
    staff_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")

    listed = {order["number"] for order in staff_client.get("/api/v1/orders/").json()["results"]}

    assert listed == {mine, theirs}
    assert staff_client.get(f"/api/v1/orders/{theirs}/").status_code == 200


def test_a_customer_token_of_a_non_staff_user_sees_nothing(db, django_user_model):
    user = django_user_model.objects.create_user("shopper")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")

    assert client.get("/api/v1/orders/").status_code == 403


def test_list_and_detail_query_counts_do_not_grow_with_data(shop):
    storefront, client = shop
    order = order_new(storefront=storefront)
    with CaptureQueriesContext(connection) as small_list:
        client.get("/api/v1/orders/")
    with CaptureQueriesContext(connection) as small_detail:
        client.get(f"/api/v1/orders/{order.number}/")

    for _ in range(5):
        other = order_new(storefront=storefront)
    for transition in ["confirm", "start_picking", "start_packing"]:
        other = transition_prepare(other, transition)
        other = order_transition(order=other, transition=transition, actor=None)
    with CaptureQueriesContext(connection) as big_list:
        assert len(client.get("/api/v1/orders/").json()["results"]) == 6
    with CaptureQueriesContext(connection) as big_detail:
        assert len(client.get(f"/api/v1/orders/{other.number}/").json()["events"]) == 4

    assert len(big_list.captured_queries) == len(small_list.captured_queries)
    assert len(big_detail.captured_queries) == len(small_detail.captured_queries)


def test_an_express_order_keeps_its_priority_and_gets_a_promised_date(shop):
    _, storefront_client = shop
    created = create(storefront_client, order_body(priority="express"))
    assert created.status_code == 201
    assert created.json()["priority"] == "express"
    order = Order.objects.get(number=created.json()["number"])
    order_transition(order=order, transition="confirm", actor=None)

    detail = storefront_client.get(f"/api/v1/orders/{order.number}/").json()

    assert detail["promised_delivery_date"] == str(
        Order.objects.get(pk=order.pk).promised_delivery_date
    )


def test_an_unknown_priority_is_a_400_naming_the_field(shop):
    _, storefront_client = shop
    response = create(storefront_client, order_body(priority="yesterday"))

    assert response.status_code == 400
    assert "priority" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "moment, status",
    [
        ("0266-09-19T10:11:23-18:12", 200),  # PostgreSQL refuses offsets beyond 15:59
        ("0001-01-01T00:00:00+23:00", 400),  # before year 1 once in UTC
        ("9999-12-31T23:00:00-23:00", 400),  # after year 9999 once in UTC
    ],
)
def test_extreme_updated_after_times_are_answered_not_500(shop, moment, status):
    _, client = shop
    create(client)

    response = client.get("/api/v1/orders/", {"updated_after": moment})

    assert response.status_code == status
    if status == 200:
        assert len(response.json()["results"]) == 1
    else:
        assert "updated_after" in response.json()["error"]["details"]


@pytest.mark.parametrize("page_size", ["²", "99999999999999999999"])
def test_a_page_size_that_is_not_a_whole_number_is_400(shop, page_size):
    _, client = shop

    response = client.get("/api/v1/orders/", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_discounts_taxes_province_and_the_shops_number_go_in_and_come_back(shop):
    _, client = shop
    body = order_body(
        discount_total="20000",
        tax_total="35000",
        taxes_included=True,
        platform_reference="#1001",
    )
    body["shipping_address"]["province"] = "HCM"

    created = create(client, body).json()

    assert created["discount_total"] == "20000.00"
    assert created["tax_total"] == "35000.00"
    assert created["taxes_included"] is True
    assert created["platform_reference"] == "#1001"
    assert created["shipping_address"]["province"] == "HCM"
    # 2 x 120,000 + 85,001 - 20,000 + 30,000; the included tax is not added again.
    assert created["total"] == "335001.00"
