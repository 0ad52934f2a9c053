"""Hostile requests to the pages (tracking, dashboard, finance, admin): a 4xx and no write.

The API's table is api/tests/test_hostile_inputs.py; these go through the same
middleware (shared.request_limits, backoffice.middleware) and the forms.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.test import Client

from orders.models import OrderStatus
from orders.roles import FINANCE, MANAGER
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db

THOUSANDS_OF_DIGITS = "9" * 5_000


@dataclass(frozen=True)
class PageAttack:
    name: str
    method: str
    path: str  # "{number}" / "{pk}": an order being processed
    data: dict = field(default_factory=dict)
    user: str | None = MANAGER  # None: the customer, not logged in
    status: int = 400
    says: str = ""  # text the answer must show


ATTACKS = [
    PageAttack(
        "a NUL in the tracking form",
        "POST",
        "/track/",
        {"number": "OR\x001", "email": "lan@example.com"},
        user=None,
        says="Null characters are not allowed.",
    ),
    PageAttack(
        "a NUL in the tracking page's query string",
        "GET",
        "/track/?number=a%00b",
        user=None,
    ),
    PageAttack("a NUL in the tracking link", "GET", "/track/ab%00cd/", user=None),
    PageAttack("a NUL in the board's search", "GET", "/dashboard/board/?q=a%00b"),
    PageAttack("a NUL in a queue's filter", "GET", "/dashboard/queue/processing/?category=%00"),
    PageAttack("a NUL in an order number", "GET", "/dashboard/orders/OR%001/"),
    PageAttack(
        "a NUL in a transition note",
        "POST",
        "/dashboard/orders/{number}/transition/",
        {"transition": "start_picking", "note": "a\x00b"},
    ),
    PageAttack("a NUL in the admin's search", "GET", "/admin/orders/order/?q=a%00b"),
    PageAttack("a NUL in the admin's filter", "GET", "/admin/orders/order/?status__exact=%00"),
    PageAttack(
        "a NUL in the ledger's order filter",
        "GET",
        "/dashboard/reports/ledger/?order=a%00b",
        user=FINANCE,
    ),
    PageAttack(
        "a version of thousands of digits on the dashboard",
        "POST",
        "/dashboard/orders/{number}/transition/",
        {"transition": "start_picking", "version": THOUSANDS_OF_DIGITS},
        says="The order version must be a whole number",
    ),
    PageAttack(
        "a version beyond the database integer on the dashboard",
        "POST",
        "/dashboard/orders/{number}/transition/",
        {"transition": "start_picking", "version": "2147483648"},
        says="The order version must be a whole number",
    ),
    PageAttack(
        "a version of thousands of digits on the dashboard's money confirmation",
        "POST",
        "/dashboard/orders/{number}/transition/",
        {"transition": "cancel", "reason": "customer_request", "version": THOUSANDS_OF_DIGITS},
    ),
    PageAttack(
        "a version of thousands of digits in a bulk run",
        "POST",
        "/dashboard/bulk/run/",
        {
            "orders": ["{number}"],
            "version_{number}": THOUSANDS_OF_DIGITS,
            "transition": "cancel",
            "reason": "customer_request",
        },
        status=302,
    ),
    PageAttack(
        "a version of thousands of digits in the admin",
        "POST",
        "/admin/orders/order/{pk}/transition/",
        {"transition": "start_picking", "version": THOUSANDS_OF_DIGITS},
        status=302,
    ),
    PageAttack(
        "a report period in year 20266",
        "POST",
        "/dashboard/reports/",
        {"start": "20266-01-01", "end": "20266-01-31"},
        user=FINANCE,
    ),
    PageAttack(
        "a report period ending on the last day there is",
        "POST",
        "/dashboard/reports/",
        {"start": "9999-12-01", "end": "9999-12-31"},
        user=FINANCE,
        says="Must be in a year from 2000 to 2099.",
    ),
    PageAttack(
        "a report period in year 1",
        "POST",
        "/dashboard/reports/",
        {"start": "0001-01-01", "end": "0001-01-02"},
        user=FINANCE,
        says="Must be in a year from 2000 to 2099.",
    ),
    PageAttack(
        "a ledger filter ending on the last day there is",
        "GET",
        "/dashboard/reports/ledger/?start=9999-12-01&end=9999-12-31",
        user=FINANCE,
        says="Must be in a year from 2000 to 2099.",
    ),
    PageAttack(
        "an admin date filter in year 99999",
        "GET",
        "/admin/orders/order/?placed_at__gte=99999-01-01",
    ),
    PageAttack("an admin date hierarchy year 0", "GET", "/admin/orders/order/?placed_at__year=0"),
    PageAttack(
        "an admin date hierarchy year 99999",
        "GET",
        "/admin/orders/order/?placed_at__year=99999",
    ),
    PageAttack(
        "an admin date hierarchy month 13",
        "GET",
        "/admin/orders/order/?placed_at__year=2026&placed_at__month=13",
    ),
    PageAttack(
        "an admin date filter on another model",
        "GET",
        "/admin/reports/ledgerentry/?occurred_at__year=0",
    ),
    PageAttack(
        "an admin date hierarchy day past the C int",
        "GET",
        "/admin/orders/order/?placed_at__year=2026&placed_at__month=1"
        "&placed_at__day=99999999999999999999",
    ),
    PageAttack("Django's invalid-filter page itself", "GET", "/admin/orders/order/?e=1"),
]


def row_counts() -> dict[str, int]:
    """How many rows every table holds (sessions and login records aside)."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "axes")
    }


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_a_hostile_page_request_is_a_clear_4xx_and_writes_nothing(private_cache, attack):
    order = order_in_state(OrderStatus.PROCESSING)
    client = Client()
    if attack.user is not None:
        client.force_login(user_with_role(attack.user, is_superuser=attack.user == MANAGER))
    path = attack.path.format(number=order.number, pk=order.pk)
    headers = {"HX-Request": "true"} if "/dashboard/orders/" in path else {}
    before = row_counts()

    data = {
        key.format(number=order.number): [v.format(number=order.number) for v in value]
        if isinstance(value, list)
        else value
        for key, value in attack.data.items()
    }
    if attack.method == "GET":
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, data, headers=headers)

    assert response.status_code == attack.status, response.content[:500]
    assert attack.says in response.content.decode()
    assert row_counts() == before


def test_a_page_body_over_the_size_limit_is_a_plain_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    before = row_counts()

    response = client.post("/track/", {"number": "x" * 2_000, "email": "lan@example.com"})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "The request is too large." in response.content.decode()
    assert row_counts() == before


def test_a_form_body_over_the_size_limit_is_refused_with_any_method(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = "number=" + "x" * 2_000

    for method in (client.put, client.patch):
        response = method("/track/", body, content_type="application/x-www-form-urlencoded")

        assert response.status_code == 413


def test_an_admin_list_with_a_sound_date_filter_still_works(client):
    client.force_login(user_with_role(MANAGER, is_superuser=True))
    order_in_state(OrderStatus.PROCESSING)

    response = client.get("/admin/orders/order/?placed_at__year=2026&placed_at__month=12")

    assert response.status_code == 200
