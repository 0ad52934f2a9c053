"""The admin's cancel, void and refund: a confirmation page first, exact amounts, no rounding."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, OrderStatus
from orders.roles import MANAGER
from orders.tests.factories import order_in_state, order_new, user_with_role

pytestmark = pytest.mark.django_db


def transition(client, order: Order, **data):
    data.setdefault("version", Order.objects.get(pk=order.pk).version)
    return client.post(reverse("admin:orders_order_transition", args=[order.pk]), data)


def state(order: Order) -> tuple:
    order = Order.objects.get(pk=order.pk)
    return order.status, order.payment_status, order.amount_refunded, order.version


def test_the_refund_field_starts_empty(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    refund = page.split('data-transition="refund_payment"')[1].split("</form>")[0]
    assert (
        '<input type="text" name="amount" inputmode="decimal" autocomplete="off" required' in refund
    )
    assert "value=" not in refund.split('name="amount"')[1].split(">")[0]


def test_a_refund_shows_what_will_happen_then_runs_only_once_confirmed(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")
    before = state(order)

    page = transition(client, order, transition="refund_payment", amount="5001")

    html = page.content.decode()
    assert page.status_code == 200
    assert (
        f"Refund ₫5,001 to the card of order {order.number}. "
        "Of the ₫355,001 paid, ₫5,001 will then be refunded."
    ) in html
    assert 'name="confirmed" value="1"' in html
    assert state(order) == before

    done = transition(client, order, transition="refund_payment", amount="5001", confirmed="1")

    assert done.status_code == 302
    assert state(order)[1:3] == ("partially_refunded", Decimal("5001.00"))


def test_a_cancel_of_a_paid_order_states_the_refund_first(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.PROCESSING, payment_method="card", payment_status="paid")
    before = state(order)

    page = transition(client, order, transition="cancel", reason="Customer asked")

    assert (
        f"Cancel order {order.number}. Refund ₫355,001 to the card of order {order.number}."
    ) in page.content.decode()
    assert state(order) == before


def test_a_refund_of_half_a_dong_is_a_form_error_and_moves_nothing(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")
    before = state(order)

    response = transition(client, order, transition="refund_payment", amount="1.5", confirmed="1")

    assert response.status_code == 400
    assert "VND amounts have no decimals." in response.content.decode()
    assert state(order) == before


def test_a_stale_page_is_still_refused_before_the_confirmation(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")
    stale = order.version
    transition(client, order, transition="confirm")
    before = state(order)

    response = transition(
        client, order, transition="refund_payment", amount="10", version=stale, confirmed="1"
    )

    assert response.status_code == 302
    assert state(order) == before
