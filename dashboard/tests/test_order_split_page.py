"""Splitting an order into a back-order from its dashboard page, and the links on both pages."""

import re

import pytest

from orders.models import Order, OrderStatus
from orders.roles import FINANCE, WAREHOUSE
from orders.tests.factories import order_in_state, order_pick_everything, user_with_role

pytestmark = pytest.mark.django_db


def _lines(order: Order) -> dict[str, int]:
    return {line.sku: line.quantity for line in order.lines.order_by("id")}


def test_staff_with_the_permission_see_the_form_with_what_may_move(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PROCESSING)
    mug = order.lines.get(sku="MUG-1")

    html = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert 'data-action="split"' in html
    assert "Split into back-order" in html
    assert re.search(rf'name="move-{mug.pk}"[^>]*max="2"', html)


def test_no_form_without_the_permission_or_once_everything_is_picked(client):
    order = order_in_state(OrderStatus.PROCESSING)
    picked = order_pick_everything(order_in_state(OrderStatus.PICKING))

    client.force_login(user_with_role(FINANCE))
    finance_page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    client.force_login(user_with_role(WAREHOUSE))
    picked_page = client.get(f"/dashboard/orders/{picked.number}/").content.decode()

    assert 'data-action="split"' not in finance_page
    assert 'data-action="split"' not in picked_page


def test_the_form_splits_and_both_pages_show_the_link(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PROCESSING)
    mug = order.lines.get(sku="MUG-1")

    response = client.post(
        f"/dashboard/orders/{order.number}/split/",
        {"version": order.version, f"move-{mug.pk}": "1", "reason": "One mug broke on the shelf"},
        follow=True,
    )

    backorder = Order.objects.get(backorder_of=order)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Back-order {backorder.number} created" in html
    assert re.search(rf"Back-orders</dt><dd data-backorders><a [^>]*>{backorder.number}</a>", html)
    assert _lines(Order.objects.get(pk=order.pk)) == {"MUG-1": 1, "TEA-7": 1}
    assert _lines(backorder) == {"MUG-1": 1}
    backorder_page = client.get(f"/dashboard/orders/{backorder.number}/").content.decode()
    assert re.search(
        rf"Back-order of</dt><dd data-backorder-of><a [^>]*>{order.number}</a>", backorder_page
    )


def test_a_stale_page_is_refused_and_nothing_moves(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PROCESSING)
    mug = order.lines.get(sku="MUG-1")

    response = client.post(
        f"/dashboard/orders/{order.number}/split/",
        {"version": order.version - 1, f"move-{mug.pk}": "1", "reason": "later"},
        follow=True,
    )

    assert "has changed since you loaded it" in response.content.decode()
    assert not Order.objects.filter(backorder_of=order).exists()
    assert _lines(Order.objects.get(pk=order.pk)) == {"MUG-1": 2, "TEA-7": 1}


def test_staff_without_the_permission_get_403(client):
    client.force_login(user_with_role(FINANCE))
    order = order_in_state(OrderStatus.PROCESSING)
    mug = order.lines.get(sku="MUG-1")

    response = client.post(
        f"/dashboard/orders/{order.number}/split/",
        {"version": order.version, f"move-{mug.pk}": "1", "reason": "later"},
    )

    assert response.status_code == 403
    assert not Order.objects.filter(backorder_of=order).exists()
