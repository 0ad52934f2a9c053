"""A split tells the storefront once: `order.updated` for the original, naming the back-order."""

import pytest

from orders.models import OrderStatus
from orders.roles import WAREHOUSE
from orders.services import order_split
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role
from webhooks.models import WebhookEvent, WebhookEventType

pytestmark = pytest.mark.django_db


def test_a_split_sends_order_updated_for_the_original_with_the_back_order():
    storefront = StorefrontFactory(webhook_url="https://shop.example/hooks")
    original = order_in_state(OrderStatus.PROCESSING, storefront=storefront)
    before = set(WebhookEvent.objects.values_list("pk", flat=True))

    backorder = order_split(
        order=original,
        actor=user_with_role(WAREHOUSE),
        reason="Mug out of stock",
        lines=[{"sku": "MUG-1", "quantity": 1}],
    )

    sent = WebhookEvent.objects.exclude(pk__in=before)
    assert [event.event_type for event in sent] == [WebhookEventType.ORDER_UPDATED]
    event = sent.get()
    assert event.order_id == original.pk
    data = event.payload["data"]
    assert data["kind"] == "split"
    assert data["order"]["number"] == original.number
    assert data["order"]["total"] == "235001.00"
    assert data["backorder"]["number"] == backorder.number
    assert data["backorder"]["total"] == "120000.00"
    assert data["changes"] == [
        {"field": "lines[MUG-1].quantity", "from": "2", "to": "1"},
        {"field": "total", "from": "355001.00", "to": "235001.00"},
        {"field": "backorders", "from": "", "to": backorder.number},
    ]
    # No order.created: the back-order is part of the order the storefront already has.
    assert not WebhookEvent.objects.filter(order=backorder).exists()
