"""The benchmark's data generator (PostgreSQL COPY) makes orders the product can read."""

import pytest
from django.db import connection

from benchmarks.generate import generate
from fulfillment.models import Shipment
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from reports.models import LedgerEntry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="COPY needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
    ),
]


def test_generated_orders_cover_every_state_with_their_history():
    made = generate(3000, say=lambda message: None)

    assert made == Order.objects.count() == 3000
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses >= {OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.SHIPPED}
    assert len(statuses) >= 8
    assert OrderEvent.objects.filter(event_type=OrderEventType.CREATED).count() == 3000
    shipped = Order.objects.filter(shipped_at__isnull=False).count()
    assert Shipment.objects.count() == shipped
    assert LedgerEntry.objects.filter(kind="revenue").exists()
    # Whole dong everywhere a VND amount is kept (the product refuses VND cents).
    for model, fields in (
        (Order, ("total", "amount_paid", "amount_refunded", "shipping_price")),
        (LedgerEntry, ("amount",)),
    ):
        for field in fields:
            amounts = model.objects.filter(currency="VND").values_list(field, flat=True)
            assert all(amount == amount.to_integral_value() for amount in amounts), field
    # The sequences moved past the copied ids: the ORM can add rows after them.
    order = Order.objects.order_by("-pk").first()
    OrderEvent.objects.create(order=order, event_type=OrderEventType.NOTE, note="after the load")


def test_loading_again_adds_only_what_is_missing():
    generate(500, say=lambda message: None)

    assert generate(800, say=lambda message: None) == 800
    assert Order.objects.count() == 800
    assert Order.objects.values("number").distinct().count() == 800
