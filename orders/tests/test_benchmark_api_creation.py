"""The API creation benchmark runs and gives results of the documented shape.

A smoke run (a few requests, two rounds) against the test database; what it
measures is for `make bench`, not for a test.
"""

import pytest
from django.conf import settings
from django.db import connection

from benchmarks.api_creation import api_creation_results
from orders.models import Order
from shared.tests.scratch_redis import scratch_redis_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the benchmark runs against PostgreSQL only (CI runs it)",
    ),
]


REDIS_URL = scratch_redis_url()  # no worker reads it here


@pytest.fixture
def scratch_broker():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    yield
    client.flushdb()  # the run's queued messages: nothing consumes them


def test_a_small_run_answers_201_throughout_and_pools_its_rounds(scratch_broker):
    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )

    results = api_creation_results(
        database_url=url,
        redis_url=REDIS_URL,
        orders_in_db=0,
        samples=16,
        rounds=2,
    )

    assert [result["name"] for result in results] == [
        "api_create_sequential",
        "api_create_8_clients",
    ]
    for result in results:
        assert result["samples"] == 32
        assert len(result["round_ratios"]) == 2
        assert result["median_ms"] > 0 and result["floor_median_ms"] > 0
        ratio = result["median_ms"] / result["floor_median_ms"]  # both rounded to 0.01 ms
        assert result["ratio"] == pytest.approx(ratio, abs=0.02)
    # Warm-up included, every creation answered 201 and is stored.
    assert Order.objects.count() >= 2 * (16 + 20 + 16 + 20 * 8)
