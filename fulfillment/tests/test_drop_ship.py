"""Goods a supplier sends straight to the customer are not packed by us."""

import pytest

from fulfillment.models import Supplier
from fulfillment.selectors import order_unpacked_quantities, order_unpicked_quantities
from fulfillment.services.suppliers import supplier_request_advance, supplier_request_create
from orders.models import OrderStatus
from orders.services import order_transition
from orders.tests.factories import order_in_state, order_pick_everything

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def celery_in_process(tasks_in_process):
    """Every test here runs its tasks in process."""


def test_an_order_drop_shipped_in_full_ships_without_packages(django_capture_on_commit_callbacks):
    supplier = Supplier.objects.create(name="Gốm Bát Tràng", email="sales@battrang.example")
    order = order_in_state(OrderStatus.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
            delivery="drop_ship",
            actor=None,
        )
    for step in ["confirm", "ship", "receive"]:
        request = supplier_request_advance(request=request, transition=step, actor=None)

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    for transition in ["start_picking", "start_packing", "mark_ready_to_ship", "ship"]:
        order = order_transition(order=order, transition=transition, actor=None)

    assert order.status == OrderStatus.SHIPPED
    assert order_unpacked_quantities(order) == {}
    assert order.packages.count() == 0


def test_a_partly_drop_shipped_order_still_packs_the_rest(django_capture_on_commit_callbacks):
    supplier = Supplier.objects.create(name="Trà Thái Nguyên", email="tea@example.com")
    order = order_in_state(OrderStatus.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "TEA-7", "quantity": 1}],
            delivery="drop_ship",
            actor=None,
        )
    supplier_request_advance(request=request, transition="receive", actor=None)
    order.refresh_from_db()
    order = order_transition(order=order, transition="start_picking", actor=None)
    # Only what the warehouse holds is picked: the drop-shipped tea never passes the shelf.
    assert order_unpicked_quantities(order) == {"MUG-1": 2}
    order = order_pick_everything(order)
    order = order_transition(order=order, transition="start_packing", actor=None)

    assert order_unpacked_quantities(order) == {"MUG-1": 2}
