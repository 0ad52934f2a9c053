"""With the cache (Redis) unreachable, the tracking lookup works: its rate limit fails open."""

import logging

import pytest

from orders.tests.factories import order_new
from orders.tests.links import order_number_of_link

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


def test_the_tracking_lookup_opens_the_order_while_the_cache_is_down(cache_down, client, caplog):
    order = order_new()
    caplog.set_level(logging.WARNING, logger="tracking.ratelimit")

    response = client.post("/track/", {"number": order.number, "email_or_postal_code": "700000"})

    assert response.status_code == 302
    assert response["Location"].startswith("/track/")
    assert order_number_of_link(response["Location"]) == order.number
    assert "rate limit track not applied, the cache is unreachable" in caplog.text


def test_the_lookup_is_not_refused_while_the_cache_is_down(cache_down, client, settings):
    settings.TRACKING_LOOKUP_LIMIT = 1
    order = order_new()

    answers = [
        client.post(
            "/track/", {"number": order.number, "email_or_postal_code": "x@y.z"}
        ).status_code
        for _ in range(3)
    ]

    assert answers == [200, 200, 200]  # not found, never 429 nor 500
