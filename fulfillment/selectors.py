"""Reads of fulfillment state."""

from django.db.models import Sum

from orders.models import Order

from .models import Package, PackageLine


def order_unpacked_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity still to pack} for `order`, leaving out what is fully packed."""
    packed = dict(
        PackageLine.objects.filter(package__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    missing: dict[str, int] = {}
    for line in order.lines.all():
        remaining = line.quantity - packed.get(line.pk, 0)
        if remaining > 0:
            missing[line.sku] = missing.get(line.sku, 0) + remaining
    return missing


def order_packages_without_shipment(order: Order) -> list[Package]:
    """Return `order`'s packages that no shipment (carrier and tracking number) carries yet."""
    return list(order.packages.filter(shipment__isnull=True).order_by("id"))
