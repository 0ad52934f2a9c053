"""Pick lists (one order, or a wave across many) and what pickers actually took.

A short pick is never silent: the order goes on hold with the reason
`stock_shortage` through `orders.services.order_transition`, in the same
transaction as the pick records.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum

from orders.locking import order_lock, user_may_work_order
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


@dataclass
class PickListSelection:
    """A wave pick list made from selected orders, and the selected orders left off it."""

    pick_list: PickList
    # (order number, why it is not on the list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# As many orders as a bulk job: what a queue page can select at once.
PICK_LIST_MAX_ORDERS = 500


def pick_list_create_for_selection(*, numbers: list[str], actor: Actor) -> PickListSelection:
    """Put the selected orders that `actor` may work on and that are picking on one pick list.

    The others are left off, each with its reason; if none is left, nothing is
    saved and the refusal names every order's reason.
    """
    permission_require(actor, "fulfillment.add_picklist", "print pick lists")
    cleaned = list(dict.fromkeys(n.strip().upper() for n in numbers if n and n.strip()))
    if not cleaned:
        raise OrderValidationError(
            "Select at least one order.", details={"orders": ["Select at least one order."]}
        )
    if len(cleaned) > PICK_LIST_MAX_ORDERS:
        message = f"Select at most {PICK_LIST_MAX_ORDERS} orders for one pick list."
        raise OrderValidationError(message, details={"orders": [message]})
    found = Order.objects.select_related("team").in_bulk(cleaned, field_name="number")
    eligible: list[Order] = []
    skipped: list[tuple[str, str]] = []
    # One answer per team: the selection is usually one team's queue.
    may_work: dict[int | None, bool] = {}
    for number in cleaned:
        order = found.get(number)
        if order is not None and order.team_id not in may_work:
            may_work[order.team_id] = user_may_work_order(order, actor)
        if order is None:
            skipped.append((number, "No such order."))
        elif not may_work[order.team_id]:
            skipped.append((number, f"It belongs to team {order.team}, not to yours."))
        elif order.status != OrderStatus.PICKING:
            skipped.append((number, f"It is {order.get_status_display().lower()}, not picking."))
        else:
            eligible.append(order)
    if not eligible:
        raise OrderValidationError(
            "None of the selected orders can go on a pick list.",
            details={"orders": [f"{number}: {why}" for number, why in skipped]},
        )
    return PickListSelection(
        pick_list=pick_list_create(orders=eligible, actor=actor), skipped=skipped
    )


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
    in_hand: bool = False,
) -> list[PickRecord]:
    """Record what was taken off the shelf for `order`; hold the order if anything was short.

    Each pick is `{sku, quantity, short}`: `quantity` units taken, and `short`
    (optional, default 0) units the picker found missing. Of `quantity`, the
    pick takes min(quantity, on hand) and lowers the stock by that much; the
    rest, and `short`, are recorded as short and put the order on hold
    (`stock_shortage`) in the same transaction.

    `in_hand`: the units are in the picker's hand (a scanned barcode), so all
    of `quantity` is picked whatever the stock says; the stock goes down by as
    much as it has (never below 0) and the history notes the difference.
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
        wanted: dict[str, int] = {}  # units taken, as the picker says
        declared_short: dict[str, int] = {}  # units the picker found missing
        for index, pick in enumerate(picks):
            sku, quantity, missing = pick.get("sku"), pick.get("quantity"), pick.get("short", 0)
            if sku not in lines_of:
                errors[f"picks[{index}].sku"] = [f"Order {locked.number} has no SKU '{sku}'."]
            elif not _is_count(quantity):
                errors[f"picks[{index}].quantity"] = ["Must be a whole number, 0 or more."]
            elif not _is_count(missing):
                errors[f"picks[{index}].short"] = ["Must be a whole number, 0 or more."]
            elif quantity + missing == 0:
                errors[f"picks[{index}].quantity"] = ["Pick or record short at least one unit."]
            else:
                wanted[sku] = wanted.get(sku, 0) + quantity
                declared_short[sku] = declared_short.get(sku, 0) + missing
                left = sum(remaining[line.pk] for line in lines_of[sku])
                if wanted[sku] + declared_short[sku] > left:
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
        unrecorded: dict[str, int] = {}  # in hand, but the stock said it was not there
        for sku, quantity in wanted.items():
            item = items.get(sku)
            on_hand = item.quantity_on_hand if item is not None else 0
            taken = quantity if in_hand else min(quantity, on_hand)
            unrecorded[sku] = max(taken - on_hand, 0)
            asked = quantity + declared_short[sku]
            picked[sku], short[sku] = taken, asked - taken
            if item is not None and min(taken, on_hand):
                item.quantity_on_hand -= min(taken, on_hand)
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
        unrecorded_text = _quantities_text(unrecorded)
        data: dict[str, Any] = {
            "picked": {sku: n for sku, n in picked.items() if n},
            "short": {sku: n for sku, n in short.items() if n},
        }
        if unrecorded_text:
            data["not_in_stock_records"] = {sku: n for sku, n in unrecorded.items() if n}
        order_changed(
            locked,
            actor=actor,
            note=f"Picked: {picked_text or 'nothing'}."
            + (f" Short: {short_text}." if short_text else "")
            + (
                f" Stock discrepancy: {unrecorded_text} picked that the stock records did not show."
                if unrecorded_text
                else ""
            ),
            data=data,
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


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _quantities_text(quantities: dict[str, int]) -> str:
    return ", ".join(f"{n} x {sku}" for sku, n in quantities.items() if n)
