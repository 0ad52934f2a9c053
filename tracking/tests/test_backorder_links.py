"""The tracking page shows every part of a split order, each with its own signed link."""

import re

import pytest
from django.urls import reverse

from orders.links import tracking_token_make, tracking_token_read
from orders.models import Order, OrderStatus
from orders.roles import WAREHOUSE
from orders.services import order_split
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db


def page(client, order: Order, language: str = "en") -> str:
    url = reverse("tracking:track_order", args=[tracking_token_make(order)])
    response = client.get(url, {"lang": language})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def split_order():
    original = order_in_state(OrderStatus.PROCESSING)
    staff = user_with_role(WAREHOUSE, first_name="Minh", last_name="Staffer")
    backorder = order_split(
        order=original,
        actor=staff,
        reason="Supplier late, internal code X-77",
        lines=[{"sku": "MUG-1", "quantity": 1}],
    )
    return original, backorder


def test_the_original_says_part_ships_separately_with_a_link_and_status(client, split_order):
    original, backorder = split_order

    html = page(client, original)

    link = re.search(
        rf'Part of your order ships separately as <a href="([^"]+)">{backorder.number}</a> '
        r"\(Awaiting fulfillment\)",
        html,
    )
    assert link is not None
    token = link.group(1).split("/")[2]
    assert tracking_token_read(token) == backorder.number
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 200


def test_the_back_order_says_which_order_it_is_part_of(client, split_order):
    original, backorder = split_order

    html = page(client, backorder)

    assert re.search(rf'Part of order <a href="[^"]+">{original.number}</a>', html)
    assert "Mug" in html


def test_nothing_staff_only_shows(client, split_order):
    original, backorder = split_order

    for html in (page(client, original), page(client, backorder)):
        assert "X-77" not in html
        assert "Staffer" not in html
        assert "moved to back-order" not in html.lower()


def test_an_order_never_split_says_nothing_of_it(client):
    html = page(client, order_in_state(OrderStatus.PROCESSING))

    assert "ships separately" not in html
    assert "Part of order" not in html
