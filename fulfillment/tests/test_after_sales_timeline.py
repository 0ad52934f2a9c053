"""What the customer reads about their after-sales request, through the storefront API."""

import pytest

from api.tests.conftest import storefront_client
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_open,
    after_sales_request_resolve,
)
from orders.models import OrderEventType, OrderStatus
from orders.tests.factories import order_in_state

pytestmark = pytest.mark.django_db


def test_the_customer_timeline_shows_each_step_of_a_request_without_staff_notes():
    storefront, client = storefront_client("Timeline Shop")
    order = order_in_state(OrderStatus.DELIVERED, storefront=storefront)
    request = after_sales_request_open(
        order=order,
        kind="return",
        reason="Too small",
        lines=[{"sku": "TEA-7", "quantity": 1}],
        source="storefront",
    )
    for transition in ["approve", "receive_item"]:
        request = after_sales_request_advance(
            request=request, transition=transition, actor=None, note="Checked by Minh at desk 3"
        )
    after_sales_request_resolve(request=request, resolution="credit", actor=None, amount=50)

    body = client.get(f"/api/v1/orders/{order.number}/").json()

    messages = [event["message"] for event in body["events"]]
    approved = messages.index(f"Request #{request.pk}: Approved")
    resolved = messages.index(f"Request #{request.pk}: Resolved (Store credit)")
    assert messages.index("Return or request in progress") < approved < resolved
    assert "" not in messages
    assert "desk 3" not in str(body)


def test_after_sales_rows_keep_the_type_note_that_api_v1_gave_them():
    storefront, client = storefront_client("Types Shop")
    order = order_in_state(OrderStatus.DELIVERED, storefront=storefront)
    after_sales_request_open(
        order=order,
        kind="return",
        reason="Too small",
        lines=[{"sku": "TEA-7", "quantity": 1}],
        source="storefront",
    )
    complaint = after_sales_request_open(
        order=order, kind="complaint", reason="Late", lines=[], source="storefront"
    )
    after_sales_request_advance(request=complaint, transition="approve", actor=None)

    body = client.get(f"/api/v1/orders/{order.number}/").json()

    assert [(event["type"], event["message"]) for event in body["events"]][-3:] == [
        ("status_changed", "Return or request in progress"),
        ("note", "Complaint request opened"),
        ("note", f"Request #{complaint.pk}: Approved"),
    ]
    # The history itself tells them apart.
    assert list(order.events.order_by("id").values_list("event_type", flat=True))[-2:] == [
        OrderEventType.AFTER_SALES_OPENED,
        OrderEventType.AFTER_SALES_CHANGED,
    ]
