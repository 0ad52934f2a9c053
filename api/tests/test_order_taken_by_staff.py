"""POST /api/v1/orders/ with a staff token: orders staff take for a storefront they name."""

import io
import json
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Notification, NotificationKind
from orders.models import IdempotencyKey, Order, OrderEvent, OrderEventType
from orders.roles import CUSTOMER_CARE, FINANCE, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import create, order_body

pytestmark = pytest.mark.django_db


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def care():
    return user_with_role(CUSTOMER_CARE, username="care", first_name="Mai", last_name="Trần")


def nothing_written() -> bool:
    return not (
        Order.objects.exists() or IdempotencyKey.objects.exists() or Notification.objects.exists()
    )


def test_staff_token_naming_a_storefront_creates_its_order_with_them_in_the_history(shop, care):
    storefront, _ = shop

    response = create(token_client(care), order_body(storefront=storefront.code))

    assert response.status_code == 201
    body = response.json()
    assert (body["external_id"], body["total"], body["currency"]) == ("WEB-1", "355001.00", "VND")
    order = Order.objects.get(number=body["number"])
    assert order.storefront == storefront
    created = OrderEvent.objects.get(order=order)
    assert (created.event_type, created.actor, created.data, created.channel_display()) == (
        OrderEventType.CREATED,
        care,
        {"channel": "api"},
        "Staff API",
    )
    assert list(order.notifications.values_list("kind", flat=True)) == [
        NotificationKind.ORDER_RECEIVED
    ]


def test_staff_retry_with_the_same_key_returns_the_same_order(shop, care):
    storefront, _ = shop
    client = token_client(care)

    first = create(client, order_body(storefront=storefront.code), key="phone-1")
    again = create(client, order_body(storefront=storefront.code), key="phone-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert IdempotencyKey.objects.get().storefront == storefront


@pytest.mark.parametrize("role", [WAREHOUSE, FINANCE])
def test_staff_without_the_take_order_permission_are_refused_403(shop, role):
    storefront, _ = shop

    response = create(token_client(user_with_role(role)), order_body(storefront=storefront.code))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert nothing_written()


@pytest.mark.parametrize(
    "override",
    [{"storefront": "no-such-shop"}, {}, {"storefront": "rival-shop"}],
    ids=["unknown code", "no storefront", "inactive storefront"],
)
def test_staff_naming_no_active_storefront_get_400_on_storefront(shop, other_shop, care, override):
    rival, _ = other_shop
    rival.is_active = False
    rival.save()

    response = create(token_client(care), order_body(**override))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["details"]) == ["storefront"]
    assert nothing_written()


def test_a_storefront_key_naming_another_storefront_is_refused_400(shop, other_shop):
    rival, _ = other_shop
    _, client = shop

    response = create(client, order_body(storefront=rival.code))

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["storefront"]
    assert nothing_written()


def test_a_storefront_key_may_name_itself(shop):
    storefront, client = shop

    response = create(client, order_body(storefront=storefront.code))

    assert response.status_code == 201
    created = OrderEvent.objects.get(order__number=response.json()["number"])
    assert (created.actor, created.data) == (None, {})


def test_staff_order_still_needs_an_idempotency_key(shop, care):
    storefront, _ = shop

    response = token_client(care).post(
        "/api/v1/orders/", order_body(storefront=storefront.code), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["Idempotency-Key"]
    assert nothing_written()


def test_staff_bad_amount_precision_is_a_validation_error(shop, care):
    storefront, _ = shop
    body = order_body(storefront=storefront.code, shipping_price="30000.50")

    response = create(token_client(care), body)

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["shipping_price"]
    assert nothing_written()


def test_schema_documents_the_storefront_field():
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    create_body = json.loads(schema.content)["components"]["schemas"]["OrderCreateRequest"]
    assert "storefront" in create_body["properties"]
    assert "storefront" not in create_body["required"]


@pytest.mark.django_db(transaction=True)
def test_outside_client_with_a_drf_token_takes_an_order_over_http(live_server):
    out = io.StringIO()
    call_command("create_storefront", "Counter Shop", stdout=out)
    care = user_with_role(CUSTOMER_CARE, username="care-http")
    token = io.StringIO()
    call_command("drf_create_token", care.username, stdout=token)
    key = token.getvalue().split()[2]
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/orders/",
        data=json.dumps(order_body(storefront="counter-shop", external_id="PHONE-9")).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": "call-2026-12-05-1",
        },
    )

    with urllib.request.urlopen(request, timeout=10) as response:
        status, body = response.status, json.loads(response.read())

    assert (status, body["external_id"], body["status"]) == (201, "PHONE-9", "received")
    assert Order.objects.get(number=body["number"]).events.get().actor == care

    refused = urllib.request.Request(
        request.full_url,
        data=request.data,
        method="POST",
        headers={**dict(request.header_items()), "Authorization": "Token not-a-token"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(refused, timeout=10)
    assert error.value.code == 401
