"""The demo's share for confirming: a shop that confirms paid orders, orders overdue to confirm."""

import pytest
from django.utils import timezone

from orders.demo import demo_data_seed
from orders.demo.confirmation import AUTO_CONFIRM_STOREFRONT_CODE
from orders.models import Order, OrderStatus, SlaAlert, Storefront

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_the_demo_has_a_shop_confirming_paid_orders_and_orders_overdue_to_confirm():
    demo_data_seed(orders=0)
    # Not before its stories: they confirm their orders by hand.
    assert not Storefront.objects.get(code=AUTO_CONFIRM_STOREFRONT_CODE).auto_confirm_paid

    demo_data_seed(orders=60)

    assert Storefront.objects.get(code=AUTO_CONFIRM_STOREFRONT_CODE).auto_confirm_paid
    waiting = Order.objects.filter(status=OrderStatus.RECEIVED)
    overdue = waiting.filter(stage_due_at__lt=timezone.now())
    assert overdue.exists()
    assert not waiting.filter(stage_due_at__isnull=True).exists()  # every one has its clock
    assert (
        SlaAlert.objects.filter(order__in=overdue, stage="received", kind="overdue").count()
        == overdue.count()
    )
