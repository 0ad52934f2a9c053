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
    assert len(operations) == 18
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


STAFF_PATHS = (
    "/transitions/",
    "/packages/",
    "/picks/",
    "/shipments/",
    "/supplier-requests/",
    "/split/",
)
HOSTILE_HEADERS = [
    {},
    {"If-Match": '"' + "9" * 5_000 + '"'},  # int() refuses past 4300 digits
    {"If-Match": '"2147483648"'},  # past the database integer
    {"If-Match": 'W/"-1"'},
]


@pytest.fixture
def every_caller(storefront_orders):
    """Credentials for each kind of caller: the storefront, staff (a manager), a carrier."""
    from rest_framework.authtoken.models import Token

    from orders.roles import MANAGER
    from orders.tests.factories import CarrierFactory, user_with_role

    key, numbers = storefront_orders
    carrier = CarrierFactory()
    staff_token = Token.objects.create(user=user_with_role(MANAGER)).key
    return {
        "storefront": {"Authorization": f"Api-Key {key}"},
        "staff": {"Authorization": f"Token {staff_token}"},
        "carrier": {"X-Carrier-Token": carrier.webhook_secret},
        "carrier_code": carrier.code,
        "storefront_code": "fuzz-shop",
        "numbers": numbers,
    }


def _caller(path: str) -> str:
    if path.startswith("/api/v1/carriers/"):
        return "carrier"
    if path == "/api/v1/pick-lists/" or any(part in path for part in STAFF_PATHS):
        return "staff"
    return "storefront"


def test_every_operation_with_its_callers_credentials_and_data_off_the_schema_never_fails(
    every_caller, connection_kept_across_requests
):
    """Each operation as the caller it is meant for (staff, carrier webhook, storefront),
    with data that fits the schema and data that does not, and hostile headers: no 500."""
    from schemathesis.generation import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    numbers = every_caller["numbers"]
    reached: dict[str, set[int]] = {}

    for operation in operations:
        caller = _caller(operation.path)
        statuses = reached.setdefault(f"{operation.method} {operation.path}", set())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_settings(
                max_examples=20,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(
                case=operation.as_strategy(generation_mode=mode),
                pick=st.integers(0, len(numbers)),
                hostile=st.sampled_from(HOSTILE_HEADERS),
            )
            def run(case, pick, hostile):
                parameters = case.path_parameters or {}
                if "number" in parameters and pick < len(numbers):
                    parameters["number"] = numbers[pick]
                if "code" in parameters and pick:
                    parameters["code"] = every_caller["carrier_code"]
                if isinstance(case.body, dict) and "storefront" in case.body and pick:
                    # A key naming another storefront is refused (400): mostly name its own.
                    case.body["storefront"] = every_caller["storefront_code"]
                if isinstance(case.body, dict) and pick and case.body.get("discount_total"):
                    # Any discount fits the schema, but one above the goods is refused (400).
                    case.body["discount_total"] = "0"
                headers = {**every_caller[caller], **hostile}  # noqa: B023 - used at once
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
                statuses.add(response.status_code)  # noqa: B023

            run()

    assert len(reached) == 18
    # Each caller got past authentication to real answers somewhere.
    assert 201 in reached["post /api/v1/orders/"]
    assert reached["post /api/v1/carriers/{code}/events/"] - {401, 429}
    assert reached["post /api/v1/orders/{number}/transitions/"] - {401, 403, 429}
    assert 500 not in set().union(*reached.values())
