"""The `order.updated` webhook: an edited order reaches its storefront signed, with the changes.

The edit is published on the order event seam as the edit service does
(orders.events.OrderEdited inside the change's transaction); delivery goes
over real HTTP to the receiver of test_webhooks.
"""

import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.db import transaction

from orders.events import OrderEdited, publish
from orders.tests.factories import StorefrontFactory, order_new
from webhooks.models import WebhookAttempt, WebhookEvent, WebhookEventStatus, WebhookEventType
from webhooks.tasks import webhook_event_deliver

from .test_webhooks import Receiver, Reply, make_due


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


@pytest.fixture(autouse=True)
def celery_eager():
    """Run tasks in this process even when CI configures a Redis broker."""
    from orders_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


CHANGES = (
    {"field": "lines[MUG-1].quantity", "from": "2", "to": "1"},
    {"field": "total", "from": "210.00", "to": "110.00"},
)


def edit_published(order, *, changes=CHANGES, reason="Customer called", kind="edit"):
    """Publish an edit of `order` the way orders.services.edits does, in one transaction."""
    with transaction.atomic():
        publish(
            OrderEdited(
                order=order,
                changes=changes,
                reason=reason,
                kind=kind,
                total_before=Decimal("210.00"),
                shipping_price_before=Decimal("10.00"),
            )
        )


@pytest.mark.django_db
def test_an_edit_sends_order_updated_signed_with_the_changes(
    receiver, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=storefront)

    with django_capture_on_commit_callbacks(execute=True):
        edit_published(order)

    event = WebhookEvent.objects.get(order=order, event_type=WebhookEventType.ORDER_UPDATED)
    assert len(receiver.requests) == 2  # order.created, then order.updated
    method, headers, body = receiver.requests[1]
    assert method == "POST"
    expected = hmac.new(storefront.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Signature"], f"sha256={expected}")
    assert headers["X-Webhook-Type"] == "order.updated"
    assert headers["X-Webhook-Id"] == str(event.pk)
    sent = json.loads(body)
    assert sent == event.payload
    assert (sent["id"], sent["type"]) == (str(event.pk), "order.updated")
    assert sent["data"]["changes"] == [
        {"field": "lines[MUG-1].quantity", "from": "2", "to": "1"},
        {"field": "total", "from": "210.00", "to": "110.00"},
    ]
    assert (sent["data"]["kind"], sent["data"]["reason"]) == ("edit", "Customer called")
    # The same order summary as every other order webhook.
    created = json.loads(receiver.bodies[0])["data"]["order"]
    assert sorted(sent["data"]["order"]) == sorted(created)
    assert sent["data"]["order"]["number"] == order.number
    assert event.status == WebhookEventStatus.DELIVERED


@pytest.mark.django_db
def test_order_updated_is_retried_under_the_same_id_and_body(
    receiver, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=storefront)
    receiver.answer(Reply(503))

    with django_capture_on_commit_callbacks(execute=True):
        edit_published(order, kind="partial_cancel")

    event = WebhookEvent.objects.get(order=order, event_type=WebhookEventType.ORDER_UPDATED)
    assert (event.status, event.attempts) == (WebhookEventStatus.PENDING, 1)
    make_due(event)
    webhook_event_deliver.delay(str(event.pk))

    event.refresh_from_db()
    assert event.status == WebhookEventStatus.DELIVERED
    assert list(
        WebhookAttempt.objects.filter(event=event).values_list("number", "response_status")
    ) == [(1, 503), (2, 200)]
    assert receiver.ids[1:] == [str(event.pk), str(event.pk)]
    assert receiver.bodies[1] == receiver.bodies[2]
    assert json.loads(receiver.bodies[2])["data"]["kind"] == "partial_cancel"


@pytest.mark.django_db
def test_an_edit_rolled_back_leaves_no_webhook(django_capture_on_commit_callbacks):
    storefront = StorefrontFactory(webhook_url="https://shop.example/hooks")
    order = order_new(storefront=storefront)

    with pytest.raises(RuntimeError), transaction.atomic():
        edit_published(order)
        raise RuntimeError("the edit failed after publishing")

    assert not WebhookEvent.objects.filter(event_type=WebhookEventType.ORDER_UPDATED).exists()


@pytest.mark.django_db
def test_a_storefront_without_a_webhook_url_gets_no_order_updated():
    order = order_new(storefront=StorefrontFactory(webhook_url=""))

    edit_published(order)

    assert not WebhookEvent.objects.filter(order=order).exists()
