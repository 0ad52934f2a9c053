"""Pick lists (one order, or a wave across many) and what pickers actually took.

A short pick is never silent: the order goes on hold with the reason
`stock_shortage` through `orders.services.order_transition`, in the same
transaction as the pick records.
"""

from typing import Any

from django.db import transaction
from django.db.models import Sum

from orders.locking import order_lock
from orders.models import HoldReason, Order, OrderEventType, OrderLine, OrderStatus
from orders.services import order_transition
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import InvalidTransition, OrderValidationError

from ..models import InventoryItem, PickList, PickRecord
from .common import order_changed


def pick_list_create_for_numbers(*, numbers: list[str], actor: Actor) -> PickList:
    """Save a pick list over the orders with these public numbers, naming any unknown one."""
    orders = list(Order.objects.filter(number__in=numbers))
    found = {order.number for order in orders}
    missing = [number for number in numbers if number not in found]
    if missing:
        raise OrderValidationError(
            "Some orders do not exist.",
            details={"orders": [f"No order {number}." for number in missing]},
        )
    return pick_list_create(orders=orders, actor=actor)


def pick_list_create(*, orders: list[Order], actor: Actor) -> PickList:
    """Save a pick list over `orders`, all of which must be picking."""
    permission_require(actor, "fulfillment.add_picklist", "print pick lists")
    order_pks = list(dict.fromkeys(order.pk for order in orders))
    if not order_pks:
        raise OrderValidationError(
            "Name the orders to pick.", details={"orders": ["This list may not be empty."]}
        )
    with transaction.atomic():
        found = list(Order.objects.filter(pk__in=order_pks).order_by("number"))
        not_picking = [order.number for order in found if order.status != OrderStatus.PICKING]
        if not_picking or len(found) != len(order_pks):
            raise OrderValidationError(
                "Only orders being picked go on a pick list.",
                details={
                    "orders": [f"Order {number} is not picking." for number in not_picking]
                    + (["Some orders do not exist."] if len(found) != len(order_pks) else [])
                },
            )
        pick_list = PickList.objects.create(created_by=actor_or_none(actor))
        pick_list.orders.set(found)
    return pick_list


def picking_record(
    *,
    order: Order | int,
    picks: list[dict[str, Any]],
    actor: Actor,
    expected_version: int | None = None,
) -> list[PickRecord]:
    """Record what was taken off the shelf for `order`; hold the order if anything was short.

    Each pick takes min(asked, on hand) and lowers the stock by that much; the
    rest is recorded as short and puts the order on hold (`stock_shortage`).
    """
    permission_require(actor, "fulfillment.add_pickrecord", "record picks")
    if not picks:
        raise OrderValidationError(
            "Name what was picked.", details={"picks": ["This list may not be empty."]}
        )
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        if locked.status != OrderStatus.PICKING:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.status}; picks are recorded while it is "
                "picking.",
                details={"status": locked.status},
            )
        lines = list(locked.lines.order_by("id"))
        already = dict(
            PickRecord.objects.filter(order_line__in=lines)
            .values_list("order_line_id")
            .annotate(total=Sum("quantity_picked"))
            .values_list("order_line_id", "total")
        )
        remaining = {line.pk: line.quantity - already.get(line.pk, 0) for line in lines}
        lines_of: dict[str, list[OrderLine]] = {}
        for line in lines:
            lines_of.setdefault(line.sku, []).append(line)

        errors: dict[str, list[str]] = {}
        wanted: dict[str, int] = {}
        for index, pick in enumerate(picks):
            sku, quantity = pick.get("sku"), pick.get("quantity")
            if sku not in lines_of:
                errors[f"picks[{index}].sku"] = [f"Order {locked.number} has no SKU '{sku}'."]
            elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
                errors[f"picks[{index}].quantity"] = ["Must be a whole number above 0."]
            else:
                wanted[sku] = wanted.get(sku, 0) + quantity
                left = sum(remaining[line.pk] for line in lines_of[sku])
                if wanted[sku] > left:
                    errors[f"picks[{index}].quantity"] = [f"Only {left} x {sku} is left to pick."]
        if errors:
            raise OrderValidationError("Some picks do not match the order.", details=errors)

        # Lock stock rows in SKU order so two pickers never wait on each other in a cycle.
        items = {
            item.sku: item
            for item in InventoryItem.objects.select_for_update()
            .filter(sku__in=wanted)
            .order_by("sku")
        }
        records: list[PickRecord] = []
        picked: dict[str, int] = {}
        short: dict[str, int] = {}
        for sku, asked in wanted.items():
            item = items.get(sku)
            on_hand = item.quantity_on_hand if item is not None else 0
            taken = min(asked, on_hand)
            picked[sku], short[sku] = taken, asked - taken
            if item is not None and taken:
                item.quantity_on_hand -= taken
                item.save(update_fields=["quantity_on_hand", "updated_at"])
            # Spread the SKU's pick over its lines, first line first.
            for line in lines_of[sku]:
                share = min(asked, remaining[line.pk])
                if share <= 0:
                    continue
                line_picked = min(share, taken)
                records.append(
                    PickRecord(
                        order_line=line,
                        quantity_picked=line_picked,
                        quantity_short=share - line_picked,
                        picked_by=actor_or_none(actor),
                    )
                )
                asked -= share
                taken -= line_picked
        records = PickRecord.objects.bulk_create(records)

        picked_text = _quantities_text(picked)
        short_text = _quantities_text(short)
        order_changed(
            locked,
            actor=actor,
            note=f"Picked: {picked_text or 'nothing'}."
            + (f" Short: {short_text}." if short_text else ""),
            data={
                "picked": {sku: n for sku, n in picked.items() if n},
                "short": {sku: n for sku, n in short.items() if n},
            },
            event_type=OrderEventType.PICK_RECORDED,
        )
        if short_text:
            order_transition(
                order=locked,
                transition="hold",
                actor=None,
                reason=HoldReason.STOCK_SHORTAGE,
                note=f"Short pick: {short_text}",
            )
    return records


def _quantities_text(quantities: dict[str, int]) -> str:
    return ", ".join(f"{n} x {sku}" for sku, n in quantities.items() if n)
