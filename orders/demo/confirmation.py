"""Demo data for confirming orders: a shop that confirms paid orders, an order overdue to confirm.

- The Global Store confirms its paid (and cash-on-delivery) orders
  automatically once the demo has played its stories (turned on before them,
  the stories' hand-made confirmations would find their orders confirmed
  already): an order posted to it paid, or authorized later, is confirmed by
  the system.
- The stories' received orders are at most half a day old, which at night or
  on a weekend is within their confirmation time; `overdue_to_confirm_ensure`
  dates the oldest still waiting three days back (still after every closed
  order), so the To confirm queue always has an overdue order and the
  service-level watch raises its alert. `demo_data_seed` calls it after its
  bulk job, which confirms the oldest received orders.
"""

from collections.abc import Mapping
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Min
from django.utils import timezone

from customers.demo import address_backdate, customers_backdate

from ..models import Order, OrderEvent, OrderStatus, Storefront
from ..planning import confirmation_clock
from .catalogue import GLOBAL_STOREFRONT_CODE
from .seeders import DemoSeeder

AUTO_CONFIRM_STOREFRONT_CODE = GLOBAL_STOREFRONT_CODE
OVERDUE_BACK_BY = timedelta(days=3)


class ConfirmationDemoSeeder(DemoSeeder):
    name = "confirmation"

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        """Turn on the Global Store's automatic confirmation once its stories are played."""
        shop = storefronts[AUTO_CONFIRM_STOREFRONT_CODE]
        if Order.objects.filter(storefront=shop).exists() and not shop.auto_confirm_paid:
            Storefront.objects.filter(pk=shop.pk).update(auto_confirm_paid=True)
            shop.refresh_from_db()


def overdue_to_confirm_ensure(*, storefronts: Mapping[str, Storefront]) -> None:
    """Make the oldest received demo order overdue to confirm, unless one is already."""
    received = Order.objects.filter(
        storefront__in=list(storefronts.values()), status=OrderStatus.RECEIVED
    )
    if received.filter(stage_due_at__lte=timezone.now()).exists():
        return
    oldest = received.select_related("storefront").order_by("placed_at", "id").first()
    if oldest is not None:
        _order_date_back(oldest, by=OVERDUE_BACK_BY)


def _order_date_back(order: Order, *, by: timedelta) -> None:
    """Move an order's whole history `by` into the past, its confirmation clock with it."""
    placed_at = order.placed_at - by
    Order.objects.filter(pk=order.pk).update(
        placed_at=placed_at,
        created_at=F("created_at") - by,
        updated_at=F("updated_at") - by,
        **confirmation_clock(storefront=order.storefront, start=placed_at),
    )
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") - by)
    address_backdate(address_id=order.shipping_address_id, created_at=placed_at)
    first_order_at = Order.objects.filter(customer_id=order.customer_id).aggregate(
        first=Min("placed_at")
    )["first"]
    customers_backdate({order.customer_id: first_order_at})
