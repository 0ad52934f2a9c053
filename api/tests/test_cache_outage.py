"""With the cache (Redis) unreachable, the API still takes orders: its throttles fail open."""

import logging

import pytest

from orders.models import Order

from .conftest import create, storefront_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    """A Redis cache on a port nothing listens on: every cache call raises ConnectionError."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_an_order_is_created_and_read_while_the_cache_is_down(cache_down, caplog, monkeypatch):
    from api.throttling import StorefrontKeyThrottle

    # DRF reads the rates when the class is defined: set the class's own rate.
    # One a minute would refuse the second request if it were counted.
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "1/min", raising=False)
    _storefront, client = storefront_client()
    caplog.set_level(logging.WARNING, logger="api.throttling")

    created = create(client)
    read = client.get(f"/api/v1/orders/{created.json()['number']}/")

    assert created.status_code == 201
    assert read.status_code == 200
    assert Order.objects.count() == 1
    assert "rate limit storefront not applied, the cache is unreachable" in caplog.text


def test_the_carrier_webhook_throttle_fails_open_too(cache_down):
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/carriers/nosuch/events/", {}, format="json")

    assert response.status_code in (401, 404)  # refused for its token, not a 500
