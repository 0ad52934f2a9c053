"""The API refuses amounts more precise than their currency, naming the field; it never rounds."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order
from orders.roles import MANAGER
from orders.tests.factories import StorefrontFactory, order_new, user_with_role

from .conftest import create, order_body, storefront_client

pytestmark = pytest.mark.django_db

USD_LINES = [{"sku": "CUP-1", "name": "Cup", "quantity": 2, "unit_price": "12.50"}]


def staff() -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=user_with_role(MANAGER))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def refund(order: Order, amount: str):
    return staff().post(
        f"/api/v1/orders/{order.number}/transitions/",
        {"transition": "refund_payment", "amount": amount},
        format="json",
    )


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("USD", "0.005", "USD amounts have at most 2 decimals."),
        ("VND", "1.5", "VND amounts have no decimals."),
    ],
)
def test_a_refund_more_precise_than_the_currency_is_a_400_naming_the_field(
    currency, amount, message
):
    storefront = StorefrontFactory(code=f"shop-{currency.lower()}", currency=currency)
    lines = USD_LINES if currency == "USD" else None
    order = order_new(
        storefront=storefront,
        payment_method="card",
        payment_status="paid",
        lines=lines,
        shipping_price=Decimal("0"),
    )

    response = refund(order, amount)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"] == {"amount": [message]}
    stored = Order.objects.get(pk=order.pk)
    assert (stored.payment_status, stored.amount_refunded, stored.version) == (
        "paid",
        Decimal("0.00"),
        order.version,
    )


def test_a_refund_in_the_currencys_units_goes_through_exactly():
    storefront = StorefrontFactory(code="shop-usd", currency="USD")
    order = order_new(
        storefront=storefront, payment_method="card", payment_status="paid", lines=USD_LINES
    )

    response = refund(order, "0.01")

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.01")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        (
            {"lines": [{"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "85000.5"}]},
            "lines[0]",
        ),
        ({"shipping_price": "30000.01"}, "shipping_price"),
    ],
)
def test_order_creation_refuses_vnd_with_decimals(override, field):
    _storefront, client = storefront_client("Lan's Shop")

    response = create(client, order_body(**override))

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {field: ["VND amounts have no decimals."]}
    assert not Order.objects.exists()


def test_order_creation_refuses_a_usd_price_in_thousandths():
    _storefront, client = storefront_client("Cup Shop", currency="USD")
    body = order_body(
        currency="USD",
        lines=[{"sku": "CUP-1", "name": "Cup", "quantity": 1, "unit_price": "12.345"}],
        shipping_price="1.50",
    )

    response = create(client, body)

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "lines[0]": ["USD amounts have at most 2 decimals."]
    }
    assert not Order.objects.exists()
