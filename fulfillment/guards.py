"""Fulfillment's guards on the order lifecycle, registered from `FulfillmentConfig.ready()`.

Packing starts once every unit is picked or recorded short; an order is ready
to ship once everything is packed, ships once every package is on a shipment,
and completes once no after-sales request is open. These read fulfillment's
rows, so they live here and `orders.lifecycle` holds them.
"""

from orders.lifecycle import Guard, guard_register
from orders.models import Order

from .models import AfterSalesRequest, AfterSalesStatus
from .selectors import (
    order_open_package_contents,
    order_packages_without_shipment,
    order_unaccounted_pick_quantities,
    order_unpacked_quantities,
)


def _everything_picked(order: Order) -> bool:
    return not order_unaccounted_pick_quantities(order)


def _everything_picked_explain(order: Order) -> str:
    # The words of the order page's pick form, so the floor recognises what is meant.
    return (
        "Left to pick: "
        + ", ".join(
            f"{quantity} x {sku}"
            for sku, quantity in order_unaccounted_pick_quantities(order).items()
        )
        + " (record each line as picked or short first)."
    )


def _everything_packed(order: Order) -> bool:
    return not order_unpacked_quantities(order)


def _everything_packed_explain(order: Order) -> str:
    return (
        "Still to pack: "
        + ", ".join(
            f"{quantity} x {sku}" for sku, quantity in order_unpacked_quantities(order).items()
        )
        + "."
    )


def _open_package_settled(order: Order) -> bool:
    # Units in the box being scanned are on the bench, in no package: with everything
    # packed some other way (the API, the form), they are extra and the box must not ship
    # unseen or stay behind on a shipped order.
    return not order_open_package_contents(order)


def _open_package_settled_explain(order: Order) -> str:
    return (
        "The open package still holds "
        + ", ".join(
            f"{quantity} x {sku}" for sku, quantity in order_open_package_contents(order).items()
        )
        + ": close it or empty it first."
    )


def _every_package_shipped(order: Order) -> bool:
    # With no package at all, only an order whose goods were all drop-shipped may ship.
    return not order_packages_without_shipment(order) and (
        order.packages.exists() or not order_unpacked_quantities(order)
    )


def _every_package_shipped_explain(order: Order) -> str:
    if not order.packages.exists():
        return "The order has no package yet."
    return (
        "These packages have no shipment with a carrier and tracking number yet: "
        + ", ".join(f"#{package.pk}" for package in order_packages_without_shipment(order))
        + "."
    )


def _open_after_sales(order: Order) -> list[AfterSalesRequest]:
    return list(
        order.after_sales_requests.exclude(
            status__in=[AfterSalesStatus.REJECTED, AfterSalesStatus.RESOLVED]
        ).order_by("id")
    )


def _after_sales_settled(order: Order) -> bool:
    return not _open_after_sales(order)


def _after_sales_settled_explain(order: Order) -> str:
    return (
        "These after-sales requests are still open: "
        + ", ".join(f"#{request.pk}" for request in _open_after_sales(order))
        + "."
    )


everything_picked = Guard("everything_picked", _everything_picked, _everything_picked_explain)
everything_packed = Guard("everything_packed", _everything_packed, _everything_packed_explain)
open_package_settled = Guard(
    "open_package_settled", _open_package_settled, _open_package_settled_explain
)
every_package_shipped = Guard(
    "every_package_shipped", _every_package_shipped, _every_package_shipped_explain
)
after_sales_settled = Guard(
    "after_sales_settled", _after_sales_settled, _after_sales_settled_explain
)

# transition -> fulfillment's guards on it; `guards_register` puts exactly these in place.
GUARDS: dict[str, tuple[Guard, ...]] = {
    "start_packing": (everything_picked,),
    "mark_ready_to_ship": (everything_packed, open_package_settled),
    "ship": (every_package_shipped,),
    "complete": (after_sales_settled,),
}


def guards_register() -> None:
    """Put fulfillment's guards on the order transitions they belong to."""
    for transition, guards in GUARDS.items():
        for guard in guards:
            guard_register(transition, guard)
