"""Schemathesis generates requests from our OpenAPI schema: no 500s, no response off the schema.

Driven through Hypothesis directly: schemathesis' pytest plugin does not run
under pytest 9 yet.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.throttling import StorefrontKeyThrottle
from orders.models import OrderStatus
from orders.services import storefront_create
from orders.tests.factories import order_in_state, order_new

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def connection_kept_across_requests():
    """Keep the test's database connection open between the fuzzer's WSGI requests.

    Django's test client does the same: a plain WSGIHandler closes the
    connection when each request ends, which would end the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def storefront_orders(db, settings, monkeypatch):
    """A storefront key and real orders in several states, for generated requests to reach."""
    settings.ALLOWED_HOSTS = ["*"]
    # Hundreds of requests in a few seconds: throttled answers would hide everything else.
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "1000000/min", raising=False)
    storefront, key = storefront_create(name="Fuzz Shop")
    received = order_new(storefront=storefront)
    processing = order_in_state(OrderStatus.PROCESSING, storefront=storefront)
    delivered = order_in_state(OrderStatus.DELIVERED, storefront=storefront)
    return key, [received.number, processing.number, delivered.number]


def test_api_never_fails_or_breaks_its_schema(storefront_orders, connection_kept_across_requests):
    key, numbers = storefront_orders
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    headers = {"Authorization": f"Api-Key {key}"}
    statuses: set[int] = set()

    def check(case, pick: int) -> None:
        # Random order numbers only ever reach the 404; mostly aim at real orders.
        if case.path_parameters and "number" in case.path_parameters and pick < len(numbers):
            case.path_parameters["number"] = numbers[pick]
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.add(response.status_code)

    for operation in operations:
        # The schema's own examples first (the create example must be accepted), then
        # generated requests; derandomized, so CI sees the same cases on every run.
        strategies = [*operation.get_strategies_from_examples(), operation.as_strategy()]
        for strategy in strategies:

            @hypothesis_settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, pick=st.integers(0, len(numbers)))
            def run(case, pick):
                check(case, pick)

            run()

    # The run reached real work, not only refusals.
    assert {200, 201, 400, 404, 409} <= statuses
    assert 429 not in statuses
