"""Reads of fulfillment state: what is still to pick, pack or ship, pick lists and slips.

Which request actions a user may take now is `fulfillment.workflows`' to say.
"""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from orders.models import Order, OrderLine, OrderStatus

from .models import (
    InventoryItem,
    OpenPackageLine,
    Package,
    PackageLine,
    PickList,
    PickRecord,
    RefundProposal,
    RefundProposalStatus,
    SupplierDelivery,
    SupplierRequestLine,
    SupplierRequestStatus,
)


def order_unpacked_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity still to pack} for `order`, leaving out what is fully packed."""
    packed = dict(
        PackageLine.objects.filter(package__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    # Goods a supplier delivered straight to the customer are never packed by us.
    return _left_per_sku(order, packed)


def order_sku_scanned(order: Order, code: str) -> str | None:
    """The SKU of `order` that a scanned `code` names, as the order spells it; None if none.

    Exactly first (scanners send what the label says); else the one SKU that
    differs only in case (typed by hand with caps lock, say).
    """
    return _sku_scanned(order.lines.all(), code)


def pick_list_sku_scanned(pick_list: PickList | int, code: str) -> str | None:
    """The SKU on the wave `pick_list` that a scanned `code` names, as in `order_sku_scanned`."""
    return _sku_scanned(OrderLine.objects.filter(order__pick_lists=pick_list), code)


def _sku_scanned(lines: QuerySet[OrderLine], code: str) -> str | None:
    if lines.filter(sku=code).exists():
        return code
    matches = set(lines.filter(sku__iexact=code).values_list("sku", flat=True)[:2])
    return matches.pop() if len(matches) == 1 else None


def pick_list_has_sku(pick_list: PickList | int, sku: str) -> bool:
    """Whether an order on the wave `pick_list` has a line of `sku`."""
    return OrderLine.objects.filter(order__pick_lists=pick_list, sku=sku).exists()


def pick_list_orders_needing(pick_list: PickList | int, sku: str) -> list[Order]:
    """The wave's orders that are picking and still need `sku`, in the list's order (number).

    Still needed: ordered, less picked, less what a supplier delivered straight
    to the customer. Three queries however many orders.
    """
    lines = list(
        OrderLine.objects.filter(
            order__pick_lists=pick_list, order__status=OrderStatus.PICKING, sku=sku
        )
        .select_related("order")
        .order_by("order__number", "id")
    )
    line_ids = [line.pk for line in lines]
    picked = _picked_per_line(line_ids)
    drop_shipped = _drop_shipped_per_line(line_ids)
    needing: dict[int, Order] = {}
    for line in lines:
        if line.quantity - picked.get(line.pk, 0) - drop_shipped.get(line.pk, 0) > 0:
            needing.setdefault(line.order_id, line.order)
    return list(needing.values())


def order_open_package_contents(order: Order) -> dict[str, int]:
    """Return {sku: units} in `order`'s open package (scanned, not yet closed); {} if none."""
    contents: dict[str, int] = {}
    for sku, quantity in (
        OpenPackageLine.objects.filter(package__order=order)
        .order_by("order_line_id")
        .values_list("order_line__sku", "quantity")
    ):
        contents[sku] = contents.get(sku, 0) + quantity
    return contents


def order_unpicked_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity not yet taken off the shelf} for `order` (shorts stay to pick).

    Goods a supplier delivered straight to the customer never pass the shelf.
    """
    picked = dict(
        PickRecord.objects.filter(order_line__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity_picked"))
        .values_list("order_line_id", "total")
    )
    return _left_per_sku(order, picked)


def order_unaccounted_pick_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity neither picked nor recorded short} for `order`.

    What `start_packing` waits for: every unit is either off the shelf or
    recorded as missing (a short pick, which held the order). Goods a supplier
    delivered straight to the customer never pass the shelf.
    """
    accounted = dict(
        PickRecord.objects.filter(order_line__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity_picked") + Sum("quantity_short"))
        .values_list("order_line_id", "total")
    )
    return _left_per_sku(order, accounted)


def _left_per_sku(order: Order, done: dict[int, int]) -> dict[str, int]:
    """Return {sku: quantity neither `done` (per line id) nor delivered by a supplier}."""
    drop_shipped = _drop_shipped_quantities(order)
    missing: dict[str, int] = {}
    for line in order.lines.all():
        remaining = line.quantity - done.get(line.pk, 0) - drop_shipped.get(line.pk, 0)
        if remaining > 0:
            missing[line.sku] = missing.get(line.sku, 0) + remaining
    return missing


def _drop_shipped_quantities(order: Order) -> dict[int, int]:
    """Return {order line id: quantity a supplier delivered straight to the customer}."""
    return dict(
        SupplierRequestLine.objects.filter(
            request__order=order,
            request__delivery=SupplierDelivery.DROP_SHIP,
            request__status=SupplierRequestStatus.RECEIVED,
        )
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )


def _picked_per_line(line_ids: list[int]) -> dict[int, int]:
    """Return {order line id: units taken off the shelf} for `line_ids`."""
    return dict(
        PickRecord.objects.filter(order_line_id__in=line_ids)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity_picked"))
        .values_list("order_line_id", "total")
    )


def _drop_shipped_per_line(line_ids: list[int]) -> dict[int, int]:
    """Return {order line id: units a supplier delivered straight to the customer}."""
    return dict(
        SupplierRequestLine.objects.filter(
            order_line_id__in=line_ids,
            request__delivery=SupplierDelivery.DROP_SHIP,
            request__status=SupplierRequestStatus.RECEIVED,
        )
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )


def order_drop_shipped_quantities(order: Order) -> dict[int, int]:
    """Return {order line id: quantity a supplier delivered straight to the customer}."""
    return _drop_shipped_quantities(order)


def order_pick_lines(order: Order) -> list[dict]:
    """Return each of `order`'s lines with what is picked, short and left to pick, and where.

    Left to pick is the ordered quantity less what came off the shelf (and
    what a supplier delivered straight to the customer): a unit recorded short
    stays to pick once stock arrives. Four queries.
    """
    lines = list(order.lines.order_by("id"))
    drop_shipped = _drop_shipped_quantities(order)
    totals = {
        line_id: (picked, short)
        for line_id, picked, short in PickRecord.objects.filter(order_line__in=lines)
        .values_list("order_line_id")
        .annotate(picked=Sum("quantity_picked"), short=Sum("quantity_short"))
        .values_list("order_line_id", "picked", "short")
    }
    locations = dict(
        InventoryItem.objects.filter(sku__in={line.sku for line in lines}).values_list(
            "sku", "location"
        )
    )
    rows = []
    for line in lines:
        picked, short = totals.get(line.pk, (0, 0))
        rows.append(
            {
                "line": line,
                "location": locations.get(line.sku, NO_LOCATION),
                "picked": picked,
                "short": short,
                "left": max(line.quantity - picked - drop_shipped.get(line.pk, 0), 0),
            }
        )
    return rows


def order_packages_without_shipment(order: Order) -> list[Package]:
    """Return `order`'s packages that no shipment (carrier and tracking number) carries yet."""
    return list(order.packages.filter(shipment__isnull=True).order_by("id"))


# Where a SKU with no inventory record is to be found; sorts after every real location.
NO_LOCATION = "—"


def pick_list_rows(pick_list: PickList) -> list[dict]:
    """Return `pick_list`'s lines summed per SKU and location, in walking order."""
    return _pick_rows(OrderLine.objects.filter(order__pick_lists=pick_list))


def order_pick_list_rows(order: Order) -> list[dict]:
    """Return `order`'s lines as pick-list rows, without saving a pick list."""
    return _pick_rows(OrderLine.objects.filter(order=order))


def _pick_rows(lines) -> list[dict]:
    """Sum what is left to pick of `lines` per SKU; four queries however many orders.

    Left to pick, as on the order page: the ordered quantity less what came off
    the shelf and what a supplier delivered straight to the customer, so an order
    put back on a wave after a short pick asks only for what is still missing.
    """
    rows_by_line = list(
        lines.order_by("order__number", "id").values_list(
            "id", "sku", "quantity", "name", "order__number"
        )
    )
    line_ids = [row[0] for row in rows_by_line]
    picked = _picked_per_line(line_ids)
    drop_shipped = _drop_shipped_per_line(line_ids)
    left: dict[str, int] = {}
    line_names: dict[str, str] = {}
    numbers: dict[str, list[str]] = {}
    for line_id, sku, quantity, name, number in rows_by_line:
        remaining = quantity - picked.get(line_id, 0) - drop_shipped.get(line_id, 0)
        if remaining <= 0:
            continue
        left[sku] = left.get(sku, 0) + remaining
        line_names.setdefault(sku, name)
        if number not in numbers.setdefault(sku, []):
            numbers[sku].append(number)
    totals = [(sku, quantity, line_names[sku]) for sku, quantity in left.items()]
    items = {
        item.sku: item for item in InventoryItem.objects.filter(sku__in=[row[0] for row in totals])
    }
    rows = []
    for sku, quantity, line_name in totals:
        item = items.get(sku)
        rows.append(
            {
                "sku": sku,
                "name": (item.name if item is not None else "") or line_name,
                "location": item.location if item is not None else NO_LOCATION,
                "quantity": quantity,
                "order_numbers": numbers.get(sku, []),
            }
        )
    rows.sort(key=lambda row: (row["location"], row["sku"]))
    return rows


def package_slip(package: Package) -> dict:
    """Return what a packing slip shows: `package`'s lines, its order and "i of n"."""
    order = package.order
    package_ids = list(order.packages.order_by("created_at", "id").values_list("pk", flat=True))
    return {
        "package": package,
        "order": order,
        "storefront": order.storefront,
        "address": order.shipping_address,
        "lines": list(package.lines.select_related("order_line").order_by("order_line__id", "id")),
        "position": package_ids.index(package.pk) + 1,
        "count": len(package_ids),
    }


def refund_proposals_waiting() -> QuerySet[RefundProposal]:
    """Return refund proposals waiting for finance or a manager, oldest first, with their order."""
    return (
        RefundProposal.objects.filter(status=RefundProposalStatus.PENDING)
        .select_related("request__order__storefront", "request__order__customer", "proposed_by")
        .order_by("created_at", "id")
    )


def refund_proposal_for_decision(pk: int) -> RefundProposal | None:
    """Return one proposal with what its confirmation states (order, request, customer), or None."""
    return (
        RefundProposal.objects.select_related(
            "request__order__storefront", "request__order__customer", "proposed_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
