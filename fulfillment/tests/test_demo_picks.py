"""The demo's orders that reached packing were picked first, as the floor must."""

import pytest

from fulfillment.models import PickRecord
from fulfillment.selectors import order_unaccounted_pick_quantities
from orders.demo import demo_data_seed
from orders.models import Order, OrderEvent, OrderEventType

pytestmark = pytest.mark.django_db


def test_every_demo_order_that_started_packing_has_its_picks_dated_before_it():
    demo_data_seed(orders=60)

    packed_ids = set(
        OrderEvent.objects.filter(transition="start_packing").values_list("order_id", flat=True)
    )
    assert len(packed_ids) >= 10  # packing and every later state have orders in the demo
    for order in Order.objects.filter(pk__in=packed_ids).prefetch_related("lines"):
        assert order_unaccounted_pick_quantities(order) == {}
        packing_started = order.events.filter(transition="start_packing").earliest("created_at")
        pick = order.events.filter(event_type=OrderEventType.PICK_RECORDED).earliest("id")
        assert pick.created_at <= packing_started.created_at
        assert all(
            record.picked_at <= packing_started.created_at
            for record in PickRecord.objects.filter(order_line__order=order)
        )
