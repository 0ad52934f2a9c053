"""What fulfillment holds of each order line, registered into `orders.line_minimums`.

A line cannot drop below what was taken off the shelf (`picked`), put in a
package (`packed`, shipped or not) or delivered by a supplier straight to the
customer (`drop_shipped`); a line whose every unit leaves the order drops its
picks recorded short first. Registered from `FulfillmentConfig.ready()`.
"""

from django.db.models import Sum

from orders.line_minimums import line_minimum_register, line_removal_register
from orders.models import Order

from .models import PackageLine, PickRecord
from .selectors import order_drop_shipped_quantities


def picked_quantities(order: Order) -> dict[int, int]:
    """Return {line id: units taken off the shelf} for `order`."""
    return dict(
        PickRecord.objects.filter(order_line__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity_picked"))
        .values_list("order_line_id", "total")
    )


def packed_quantities(order: Order) -> dict[int, int]:
    """Return {line id: units in a package} for `order` (a shipped package included)."""
    return dict(
        PackageLine.objects.filter(package__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )


def short_picks_release(line_ids: list[int]) -> None:
    """Forget picks of these lines that took nothing (recorded short): no goods go with them.

    The order's history keeps what the picker reported (its pick_recorded row).
    """
    PickRecord.objects.filter(order_line_id__in=line_ids, quantity_picked=0).delete()


def line_minimums_register() -> None:
    """Hold each order line at what fulfillment has done with it."""
    line_minimum_register("picked", picked_quantities)
    line_minimum_register("packed", packed_quantities)
    line_minimum_register("drop_shipped", order_drop_shipped_quantities)
    line_removal_register(short_picks_release)
