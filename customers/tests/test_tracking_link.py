"""The signed tracking link that the API and e-mails hand to customers."""

import pytest

from customers.tracking import tracking_token_make, tracking_token_read, tracking_url
from orders.models import OrderStatus
from orders.services import order_transition
from orders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db


def test_the_link_opens_the_orders_page_with_its_customer_timeline(client):
    order = order_in_state(OrderStatus.PICKING)
    order_transition(
        order=order, transition="hold", actor=None, reason="stock_shortage", note="Shelf B3 empty"
    )

    page = client.get(tracking_url(order).removeprefix("http://127.0.0.1:8000"))

    html = page.content.decode()
    assert page.status_code == 200
    assert order.number in html
    assert "Delayed: An item is temporarily out of stock" in html
    assert "Being picked" in html
    assert "Shelf B3" not in html


def test_a_tampered_or_foreign_token_is_a_plain_404(client):
    order = order_in_state(OrderStatus.RECEIVED)
    token = tracking_token_make(order)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert client.get(f"/track/{tampered}/").status_code == 404
    assert client.get("/track/ORDER123/").status_code == 404
    assert tracking_token_read(tampered) is None
    assert tracking_token_read(token) == order.number
