import pytest
from rest_framework.test import APIClient

from orders.services import storefront_create


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Throttle counters live in the cache: each test gets its own."""


def storefront_client(name: str = "Shop", **kwargs):
    storefront, key = storefront_create(name=name, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return storefront, client


@pytest.fixture
def shop(db):
    return storefront_client("Lan's Shop")


@pytest.fixture
def other_shop(db):
    return storefront_client("Rival Shop")


def order_body(**override) -> dict:
    body = {
        "external_id": "WEB-1",
        "currency": "VND",
        "customer": {"email": "lan@example.com", "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        "shipping_address": {
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        "lines": [
            {"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000.00"},
            {"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "85001"},
        ],
        "shipping_price": "30000.00",
        "payment_method": "cod",
        "payment_status": "unpaid",
    }
    body.update(override)
    return body


def create(client, body=None, key="key-1", **extra):
    return client.post(
        "/api/v1/orders/", body or order_body(), format="json", HTTP_IDEMPOTENCY_KEY=key, **extra
    )
