"""Hostile requests to the API: each answers its 4xx in the JSON error shape and writes nothing.

One table, one row per attack; each row names the request, the status and the
error code, and the test asserts that no table gained or lost a row.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.roles import MANAGER
from orders.tests.factories import CarrierFactory, order_new, user_with_role
from shared.money import MONEY_LIMIT

from .conftest import order_body

pytestmark = pytest.mark.django_db

MAX_PRICE = str(MONEY_LIMIT - 1)  # 999,999,999,999: the largest whole price a line may have
DEEP = "[" * 50_000 + "]" * 50_000
DEEP_OBJECT = '{"a":' * 5_000 + "1" + "}" * 5_000
THOUSANDS_OF_DIGITS = "9" * 5_000


@dataclass(frozen=True)
class Attack:
    name: str
    method: str
    path: str  # "{number}" is the storefront's own order
    body: Any = None  # str: sent as it is; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    staff: bool = False
    status: int = 400
    code: str = "validation_error"
    detail: str | None = None  # a field the error must name


def _lines(*prices: str, quantity: int = 1) -> list[dict]:
    return [
        {"sku": f"SKU-{i}", "name": "Thing", "quantity": quantity, "unit_price": price}
        for i, price in enumerate(prices)
    ]


ATTACKS = [
    Attack(
        "two lines at the maximum price overflow the total",
        "POST",
        "/api/v1/orders/",
        order_body(external_id="X-1", lines=_lines(MAX_PRICE, MAX_PRICE)),
        detail="total",
    ),
    Attack(
        "a line total (price x quantity) over the money column",
        "POST",
        "/api/v1/orders/",
        order_body(external_id="X-2", lines=_lines(MAX_PRICE, quantity=2)),
        detail="lines[0]",
    ),
    Attack(
        "the maximum price plus shipping overflows the total",
        "POST",
        "/api/v1/orders/",
        order_body(external_id="X-3", lines=_lines(MAX_PRICE), shipping_price="1.00"),
        detail="total",
    ),
    Attack(
        "a body over DATA_UPLOAD_MAX_MEMORY_SIZE",
        "POST",
        "/api/v1/orders/",
        json.dumps(order_body(external_id="X-4", note="x" * 3_000_000)),
        status=413,
        code="request_too_large",
    ),
    Attack("a deeply nested array", "POST", "/api/v1/orders/", DEEP),
    Attack("a deeply nested object", "POST", "/api/v1/orders/", DEEP_OBJECT),
    Attack(
        "a deeply nested body to the carrier webhook",
        "POST",
        "/api/v1/carriers/ghn/events/",
        DEEP,
        headers={"X-Carrier-Token": "carrier-secret-123"},
    ),
    Attack(
        "a nested body to the carrier webhook with a wrong token is refused by its token",
        "POST",
        "/api/v1/carriers/ghn/events/",
        DEEP,
        headers={"X-Carrier-Token": "wrong"},
        status=401,
        code="not_authenticated",
    ),
    Attack("a deeply nested cancel", "POST", "/api/v1/orders/{number}/cancel/", DEEP),
    Attack(
        "a deeply nested transition",
        "POST",
        "/api/v1/orders/{number}/transitions/",
        DEEP,
        staff=True,
    ),
    Attack("a deeply nested pick list", "POST", "/api/v1/pick-lists/", DEEP, staff=True),
    Attack(
        "a NUL in a query string",
        "GET",
        "/api/v1/orders/?external_id=a%00b",
        detail="external_id",
    ),
    Attack(
        "a NUL in a query parameter's name",
        "GET",
        "/api/v1/orders/?st%00atus=new",
        detail="status",
    ),
    Attack(
        "a NUL in the Idempotency-Key header",
        "POST",
        "/api/v1/orders/",
        order_body(external_id="X-5"),
        headers={"Idempotency-Key": "key\x00"},
        detail="Idempotency-Key",
    ),
    Attack(
        "a NUL in the cancel reason",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "a\x00b"},
        detail="reason",
    ),
    Attack(
        "If-Match with thousands of digits",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "customer_request"},
        headers={"If-Match": f'"{THOUSANDS_OF_DIGITS}"'},
        detail="If-Match",
    ),
    Attack(
        "If-Match beyond the database integer",
        "POST",
        "/api/v1/orders/{number}/transitions/",
        {"transition": "confirm"},
        headers={"If-Match": '"2147483648"'},
        staff=True,
        detail="If-Match",
    ),
    Attack(
        "an unknown order",
        "GET",
        "/api/v1/orders/NO-SUCH/",
        status=404,
        code="not_found",
    ),
    Attack(
        "cancelling an unknown order",
        "POST",
        "/api/v1/orders/NO-SUCH/cancel/",
        {"reason": "customer_request"},
        status=404,
        code="not_found",
    ),
    Attack(
        "another storefront's order",
        "GET",
        "/api/v1/orders/{foreign}/",
        status=404,
        code="not_found",
    ),
    Attack(
        "cancelling another storefront's order",
        "POST",
        "/api/v1/orders/{foreign}/cancel/",
        {"reason": "customer_request"},
        status=404,
        code="not_found",
    ),
    Attack(
        "after-sales on another storefront's order",
        "POST",
        "/api/v1/orders/{foreign}/after-sales/",
        {"kind": "return", "reason": "x", "lines": [{"sku": "MUG-1", "quantity": 1}]},
        status=404,
        code="not_found",
    ),
    # Changing an order (DESIGN.md "Changing an order"): bad bodies are 400s naming the field.
    Attack("a deeply nested edit", "POST", "/api/v1/orders/{number}/edits/", DEEP),
    Attack(
        "an edit without a reason",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}]},
        detail="reason",
    ),
    Attack(
        "an edit that says nothing to change",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r"},
        detail="non_field_errors",
    ),
    Attack(
        "an edit with a negative quantity",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "lines": [{"sku": "MUG-1", "quantity": -1}]},
        detail="lines[0].quantity",
    ),
    Attack(
        "an edit with a quantity of thousands of digits",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "lines": [{"sku": "MUG-1", "quantity": THOUSANDS_OF_DIGITS}]},
        detail="lines[0].quantity",
    ),
    Attack(
        "an edit adding a line at a price of thousands of digits",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {
            "reason": "r",
            "lines": [
                {"sku": "NEW", "quantity": 1, "name": "New", "unit_price": THOUSANDS_OF_DIGITS}
            ],
        },
        detail="lines[0].unit_price",
    ),
    Attack(
        "an edit adding a line at the maximum price overflows the total",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {
            "reason": "r",
            "lines": [{"sku": "NEW", "quantity": 1, "name": "New", "unit_price": MAX_PRICE}],
        },
        detail="total",
    ),
    Attack(
        "an edit adding a line in fractions of a dong",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "lines": [{"sku": "NEW", "quantity": 1, "name": "N", "unit_price": "1.5"}]},
        detail="lines[0].unit_price",
    ),
    Attack(
        "an edit with a NaN shipping price",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "shipping_price": "NaN"},
        detail="shipping_price",
    ),
    Attack(
        "an edit with lines that are not a list",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "lines": "MUG-1"},
        detail="lines",
    ),
    Attack(
        "an edit changing the customer's e-mail",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "customer": {"email": "x@example.com"}},
        detail="customer.email",
    ),
    Attack(
        "an edit with a NUL in the address",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {
            "reason": "r",
            "shipping_address": {"name": "a\x00", "line1": "l", "city": "c", "country": "VN"},
        },
        detail="shipping_address.name",
    ),
    Attack(
        "an edit removing every line",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {
            "reason": "r",
            "lines": [{"sku": "MUG-1", "quantity": 0}, {"sku": "TEA-7", "quantity": 0}],
        },
        detail="lines",
    ),
    Attack(
        "an edit of another storefront's order",
        "POST",
        "/api/v1/orders/{foreign}/edits/",
        {"reason": "r", "customer": {"name": "Mallory"}},
        status=404,
        code="not_found",
    ),
    Attack(
        "an edit with If-Match beyond the database integer",
        "POST",
        "/api/v1/orders/{number}/edits/",
        {"reason": "r", "customer": {"name": "X"}},
        headers={"If-Match": '"2147483648"'},
        detail="If-Match",
    ),
    Attack(
        "a partial cancel of more than is on the order",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "r", "lines": [{"sku": "MUG-1", "quantity": 3}]},
        detail="lines[0].quantity",
    ),
    Attack(
        "a partial cancel of an unknown SKU",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "r", "lines": [{"sku": "NOPE", "quantity": 1}]},
        detail="lines[0].sku",
    ),
    Attack(
        "a partial cancel with an empty list",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "r", "lines": []},
        detail="lines",
    ),
    Attack(
        "a partial cancel of 0 units",
        "POST",
        "/api/v1/orders/{number}/cancel/",
        {"reason": "r", "lines": [{"sku": "MUG-1", "quantity": 0}]},
        detail="lines[0].quantity",
    ),
    Attack(
        "a staff action on an unknown order",
        "POST",
        "/api/v1/orders/NO-SUCH/picks/",
        {"picks": []},
        staff=True,
        status=404,
        code="not_found",
    ),
]


def row_counts() -> dict[str, int]:
    """How many rows every table holds."""
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def clients(shop, other_shop):
    storefront, storefront_client = shop
    CarrierFactory()
    own = order_new(storefront=storefront)
    foreign = order_new(storefront=other_shop[0])
    staff = APIClient()
    user = user_with_role(MANAGER)
    staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return storefront_client, staff, {"number": own.number, "foreign": foreign.number}


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_a_hostile_request_is_a_clear_4xx_and_writes_nothing(clients, attack):
    storefront_client, staff_client, numbers = clients
    client = staff_client if attack.staff else storefront_client
    headers = {"Idempotency-Key": "attack-key", **attack.headers}
    body = (
        attack.body
        if isinstance(attack.body, str) or attack.body is None
        else json.dumps(attack.body)
    )
    before = row_counts()

    response = client.generic(
        attack.method,
        attack.path.format(**numbers),
        body or "",
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == attack.status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == attack.code
    if attack.detail is not None:
        assert attack.detail in error["details"], error
    assert row_counts() == before


def test_the_largest_order_the_columns_hold_is_accepted(shop):
    _, client = shop
    body = order_body(lines=_lines(MAX_PRICE), shipping_price="0.00")

    response = client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="big")

    assert response.status_code == 201, response.content
    assert response.json()["total"] == f"{MAX_PRICE}.00"


def test_a_body_just_under_the_size_limit_is_read(shop, settings):
    _, client = shop
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(order_body(note="x" * 8_000))

    response = client.post(
        "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="under"
    )

    assert response.status_code == 201, response.content
