"""Work done by scanning barcodes: one unit picked, one unit into the open package.

A scanned barcode is one unit in someone's hand. On the picking screen it is
recorded picked through `picking_record` (in hand: whatever the stock records
say); on the packing screen it goes into the order's open package, the box
being filled before it is weighed and closed into a `Package`. A SKU the order
does not have, or one unit too many, is refused and changes nothing.

The open package is kept when the order leaves packing (a hold, a cancel): it
is a box on the bench. Its units are never counted as packed; closing it needs
the order to be packing again, and anyone who may pack may empty it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from orders.locking import order_lock, order_rows_lock, user_may_work_order
from orders.models import Order, OrderLine, OrderStatus
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import InvalidTransition, OrderConflict, OrderValidationError

from ..models import OpenPackage, OpenPackageLine, Package, PackageLine, PickList
from ..selectors import (
    order_drop_shipped_quantities,
    order_open_package_contents,
    order_unpicked_quantities,
    pick_list_has_sku,
    pick_list_orders_needing,
)
from .common import order_changed
from .packing import package_create
from .picking import picking_record


@dataclass(frozen=True)
class ScanCount:
    """Where a SKU of the order stands after a scan: `done` of `of` units."""

    sku: str
    done: int
    of: int


def _sku_lines(order: Order, sku: str) -> list[OrderLine]:
    lines = list(order.lines.filter(sku=sku).order_by("id"))
    if not lines:
        raise OrderValidationError(
            f"Order {order.number} has no SKU '{sku}'.",
            details={"sku": [f"Not on order {order.number}."]},
        )
    return lines


def pick_scan_record(
    *, order: Order | int, sku: str, actor: Actor, expected_version: int | None = None
) -> ScanCount:
    """Record one scanned unit of `sku` picked for `order` (first line with units left).

    The unit is in the picker's hand, so it is picked even when the stock
    records say the shelf is empty (`picking_record(in_hand=True)`). Refused,
    changing nothing: a SKU not on the order (400), every unit already picked
    (409), an order that is not picking (409).
    """
    permission_require(actor, "fulfillment.add_pickrecord", "record picks")
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        if locked.status != OrderStatus.PICKING:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.get_status_display().lower()}; "
                "picks are scanned while it is picking.",
                details={"status": locked.status},
            )
        lines = _sku_lines(locked, sku)
        left = order_unpicked_quantities(locked).get(sku, 0)
        drop_shipped = order_drop_shipped_quantities(locked)
        total = sum(line.quantity - drop_shipped.get(line.pk, 0) for line in lines)
        if left <= 0:
            raise OrderConflict(
                f"All {total} x {sku} are picked.",
                details={"sku": [f"All {total} x {sku} are picked."]},
            )
        picking_record(order=locked, picks=[{"sku": sku, "quantity": 1}], actor=actor, in_hand=True)
    return ScanCount(sku=sku, done=total - left + 1, of=total)


def wave_scan_record(*, pick_list: PickList, sku: str, actor: Actor) -> tuple[Order, ScanCount]:
    """Record one scanned unit of `sku` for the first order on the wave still needing it.

    First: in the list's order (by number), among the orders `actor` may work
    on. Returns that order (its tote gets the unit) and where its SKU stands.
    Refused, changing nothing: a SKU on none of the wave's orders (400), no
    order left that needs it (409).
    """
    permission_require(actor, "fulfillment.add_pickrecord", "record picks")
    if not pick_list_has_sku(pick_list, sku):
        raise OrderValidationError(
            f"No order on pick list #{pick_list.pk} has SKU '{sku}'.",
            details={"sku": [f"Not on pick list #{pick_list.pk}."]},
        )
    for order in pick_list_orders_needing(pick_list, sku):
        if actor is not None and not user_may_work_order(order, actor):
            continue
        try:
            return order, pick_scan_record(order=order, sku=sku, actor=actor)
        except (OrderConflict, InvalidTransition):
            continue  # another picker took its last unit, or it moved on, since the read
    message = f"No order on pick list #{pick_list.pk} that you may pick still needs {sku}."
    raise OrderConflict(message, details={"sku": [message]})


def pack_scan_add(
    *, order: Order | int, sku: str, actor: Actor, expected_version: int | None = None
) -> ScanCount:
    """Put one scanned unit of `sku` into the order's open package, opening it if needed.

    `done` counts the SKU's units packed in closed packages plus those in the
    open one. Refused, changing nothing: a SKU not on the order (400), one
    unit more than packed and open leave room for (409), an order that is not
    packing (409).
    """
    permission_require(actor, "fulfillment.add_package", "pack orders")
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        if locked.status != OrderStatus.PACKING:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.get_status_display().lower()}; "
                "units are scanned into a package while it is packing.",
                details={"status": locked.status},
            )
        lines = _sku_lines(locked, sku)
        box = order_rows_lock(locked, OpenPackage.objects.all()).first()
        packed = _per_line(PackageLine.objects.filter(package__order=locked), lines)
        in_box = _per_line(OpenPackageLine.objects.filter(package=box), lines) if box else {}
        drop_shipped = order_drop_shipped_quantities(locked)
        room = {
            line.pk: line.quantity
            - drop_shipped.get(line.pk, 0)
            - packed.get(line.pk, 0)
            - in_box.get(line.pk, 0)
            for line in lines
        }
        total = sum(line.quantity - drop_shipped.get(line.pk, 0) for line in lines)
        line = next((line for line in lines if room[line.pk] > 0), None)
        if line is None:
            message = f"All {total} x {sku} are packed or in the open package."
            raise OrderConflict(message, details={"sku": [message]})
        if box is None:
            box = OpenPackage.objects.create(order=locked, opened_by=actor_or_none(actor))
        updated = OpenPackageLine.objects.filter(package=box, order_line=line).update(
            quantity=F("quantity") + 1
        )
        if not updated:
            OpenPackageLine.objects.create(package=box, order_line=line, quantity=1)
        done = total - sum(room.values()) + 1
        order_changed(
            locked,
            actor=actor,
            note=f"Scanned 1 x {sku} into the open package ({done} of {total} packed or open).",
            data={"open_package": box.pk, "sku": sku},
        )
    return ScanCount(sku=sku, done=done, of=total)


def _per_line(rows, lines: list[OrderLine]) -> dict[int, int]:
    return dict(
        rows.filter(order_line__in=lines)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )


def open_package_close(
    *,
    order: Order | int,
    weight_grams: int,
    actor: Actor,
    length_mm: int | None = None,
    width_mm: int | None = None,
    height_mm: int | None = None,
    expected_version: int | None = None,
) -> Package:
    """Weigh and close the open package: a `Package` with exactly its contents, in one step."""
    permission_require(actor, "fulfillment.add_package", "pack orders")
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        box = order_rows_lock(locked, OpenPackage.objects.all()).first()
        contents = order_open_package_contents(locked) if box else {}
        if not contents:
            raise OrderValidationError(
                "There is no open package to close: scan what goes into it first.",
                details={"open_package": ["Empty or missing."]},
            )
        package = package_create(
            order=locked,
            lines=[{"sku": sku, "quantity": quantity} for sku, quantity in contents.items()],
            weight_grams=weight_grams,
            actor=actor,
            length_mm=length_mm,
            width_mm=width_mm,
            height_mm=height_mm,
        )
        box.delete()
    return package


def open_package_empty(
    *, order: Order | int, actor: Actor, expected_version: int | None = None
) -> int:
    """Take everything out of the open package (start the box again); return the units."""
    permission_require(actor, "fulfillment.add_package", "pack orders")
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        box = order_rows_lock(locked, OpenPackage.objects.all()).first()
        contents = order_open_package_contents(locked) if box else {}
        if box is None:
            raise OrderValidationError(
                "There is no open package to empty.",
                details={"open_package": ["Missing."]},
            )
        box.delete()
        units = sum(contents.values())
        order_changed(
            locked,
            actor=actor,
            note="Open package emptied: "
            + (", ".join(f"{n} x {sku}" for sku, n in contents.items()) or "nothing")
            + " taken out.",
            data={"open_package_emptied": contents},
        )
    return units
