"""A split tells the customer once: part of the order follows as another number, with its link."""

import pytest

from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind
from orders.links import tracking_token_read
from orders.models import OrderStatus
from orders.roles import WAREHOUSE
from orders.services import order_split
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db


def test_one_email_names_the_back_order_and_what_comes_later():
    original = order_in_state(OrderStatus.PROCESSING)
    before = set(Notification.objects.values_list("pk", flat=True))

    backorder = order_split(
        order=original,
        actor=user_with_role(WAREHOUSE),
        reason="Shelf B3 empty, internal note",
        lines=[{"sku": "MUG-1", "quantity": 1}],
    )

    new = Notification.objects.exclude(pk__in=before)
    assert [(n.order_id, n.kind) for n in new] == [(original.pk, NotificationKind.ORDER_EDITED)]
    message = notification_message_build(new.get())
    assert f"will follow separately, as order {backorder.number}" in message.body
    assert "- 1 x Mug" in message.body
    assert "What you pay in total does not change." in message.body
    assert "internal note" not in message.body
    link = next(word for word in message.body.split() if "/track/" in word)
    assert tracking_token_read(link.rstrip("/").rsplit("/", 1)[1]) == backorder.number
    html = message.alternatives[0][0]
    assert backorder.number in html and "1 x Mug" in html
    # The back-order sends no "order received".
    assert not Notification.objects.filter(order=backorder).exists()


def test_the_email_is_in_the_customers_language():
    original = order_in_state(OrderStatus.PROCESSING)
    original.customer.language = "vi"
    original.customer.save()
    before = set(Notification.objects.values_list("pk", flat=True))

    backorder = order_split(
        order=original,
        actor=user_with_role(WAREHOUSE),
        reason="later",
        lines=[{"sku": "MUG-1", "quantity": 1}],
    )

    body = notification_message_build(Notification.objects.exclude(pk__in=before).get()).body
    assert backorder.number in body
    assert "will follow separately" not in body
