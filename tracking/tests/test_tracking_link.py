"""The signed tracking link that the API and e-mails hand to customers."""

import contextlib
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from orders.links import tracking_token_make, tracking_token_read, tracking_url
from orders.models import Order, OrderStatus
from orders.services import order_transition
from orders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def time_machine_signing(moment: datetime):
    """Make tokens signed inside this block carry `moment` as their timestamp."""
    with mock.patch("django.core.signing.time.time", return_value=moment.timestamp()):
        yield


def test_the_link_opens_the_orders_page_with_its_customer_timeline(client):
    order = order_in_state(OrderStatus.PICKING)
    order_transition(
        order=order, transition="hold", actor=None, reason="stock_shortage", note="Shelf B3 empty"
    )

    page = client.get(tracking_url(order).removeprefix("http://127.0.0.1:8000"))

    html = page.content.decode()
    assert page.status_code == 200
    assert order.number in html
    assert "Order delayed: An item is temporarily out of stock" in html
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


def test_a_link_keeps_working_while_the_order_is_open_and_soon_after_it_closed(client, settings):
    settings.TRACKING_LINK_DAYS_AFTER_CLOSE = 180
    order = order_in_state(OrderStatus.COMPLETED)
    token = tracking_token_make(order)
    link = f"/track/{token}/"
    long_ago = timezone.now() - timedelta(days=400)

    with time_machine_signing(long_ago):
        old_token = tracking_token_make(order)
    Order.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=179))

    assert client.get(link).status_code == 200
    assert client.get(f"/track/{old_token}/").status_code == 200


def test_an_old_link_to_an_order_closed_long_ago_has_expired(client):
    order = order_in_state(OrderStatus.COMPLETED)
    with time_machine_signing(timezone.now() - timedelta(days=400)):
        old_token = tracking_token_make(order)
    Order.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=200))

    expired = client.get(f"/track/{old_token}/")

    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert order.number not in expired.content.decode()


def test_the_lookup_form_still_opens_an_order_closed_long_ago(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    order = order_in_state(OrderStatus.COMPLETED)
    Order.objects.filter(pk=order.pk).update(closed_at=timezone.now() - timedelta(days=200))

    found = client.post("/track/", {"number": order.number, "email_or_postal_code": "700000"})
    page = client.get(found["Location"])

    assert page.status_code == 200
    assert order.number in page.content.decode()


def test_an_open_order_never_expires(client):
    order = order_in_state(OrderStatus.SHIPPED)
    with time_machine_signing(timezone.now() - timedelta(days=1000)):
        old_token = tracking_token_make(order)

    assert client.get(f"/track/{old_token}/").status_code == 200
