"""What the customer reads about their after-sales request, through the storefront API."""

import pytest

from api.tests.conftest import storefront_client
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_open,
    after_sales_request_resolve,
)
from orders.models import OrderStatus
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
