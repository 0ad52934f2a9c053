"""Back-orders: quantities that cannot ship now move to a new order linked to this one.

DESIGN.md, "Changing an order". When part of an order can ship and the rest
cannot (a short pick, a supplier delay), staff split it: `order_split` lowers
the original's lines by the moved quantities and creates the back-order
(`backorder_of` = the original) with those quantities at the same unit
prices, in one transaction on the locked original.

- What may move: per line, its quantity less what fulfillment holds of it
  (picked, packed or shipped, drop-shipped; orders.line_minimums). Picked
  units never move: they stay with the original, which ships them, so no
  stock moves with a split. Moving every remaining unit is refused (nothing
  would ship; cancel the order instead).
- The back-order keeps the customer, a copy of the shipping address, the
  payment method, team, priority and storefront; it enters `processing`
  (confirmed now, with its own service-level clock) when its payment allows
  fulfilment, else it waits in `received` as any unpaid order. Its shipping
  price is 0: shipping was charged once, on the original.
- Money is never counted twice: captured money goes with the goods
  (paid_moved = min(moved total, what the original has paid and not had
  refunded)); an authorized payment becomes two authorizations, each captured
  for its own total; unpaid, cash-on-delivery and invoice orders stay unpaid.
  The sum of both totals equals the original's total before the split. The
  ledger follows through its subscriber on `OrderSplit` (reports).
- Both orders get a staff history row naming who, why, what moved and the
  other order. `OrderSplit` is published, not `OrderCreated`: the customer
  was told about the order when it was placed.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Address
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import InvalidTransition, OrderConflict, OrderValidationError

from ..events import OrderSplit, publish
from ..line_minimums import order_line_minimums, order_lines_release
from ..locking import order_lock
from ..models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    payment_allows_fulfilment,
)
from ..planning import confirmation_clock, order_plan_confirmed
from .creation import order_number_generate

SPLIT_PERMISSION = "orders.split_order"
_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
# Before the goods leave: a held order counts by where it was held from.
SPLITTABLE_STATUSES = (
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
)
# The history rows' `data["kind"]` on the original and on its back-order.
SPLIT_KIND = "backorder_split"
BACKORDER_KIND = "backorder_created"
# What each fulfillment hold is called when it refuses a move.
_HELD_AS = {"picked": "picked", "packed": "packed", "drop_shipped": "delivered by a supplier"}


def order_splittable(order: Order) -> bool:
    """Whether `order` is in a state where its quantities may move to a back-order."""
    status = order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status
    return status in SPLITTABLE_STATUSES


def order_split_movable(order: Order) -> dict[int, int]:
    """Return {line id: units that may move now} for `order`'s lines (0 for a held line)."""
    minimums = order_line_minimums(order)
    return {
        line.pk: max(line.quantity - (minimums[line.pk].quantity if line.pk in minimums else 0), 0)
        for line in order.lines.all()
    }


def order_split(
    *,
    order: Order | int,
    actor: Actor,
    reason: str,
    lines: list[dict[str, Any]],
    expected_version: int | None = None,
) -> Order:
    """Move `lines` ([{sku, quantity}], the quantities to move) to a new back-order; return it.

    Refuses and writes nothing: without `orders.split_order` (403), another
    team's order (403), a stale `expected_version` (412), an order that has
    shipped or closed (409 `invalid_transition`), more than a line may give or
    every remaining unit (409 `conflict`, naming the line), a missing reason
    or a malformed line (400).
    """
    reason = (reason or "").strip()
    if not reason:
        raise OrderValidationError(
            "Say why the order is split.", details={"reason": ["This field is required."]}
        )
    wanted = _moves_parse(lines)
    permission_require(actor, SPLIT_PERMISSION, "split orders into back-orders")
    order_pk = order.pk if isinstance(order, Order) else order
    with transaction.atomic():
        try:
            locked = order_lock(order_pk, actor=actor, expected_version=expected_version)
        except Order.DoesNotExist:
            raise OrderValidationError(f"Order {order_pk} does not exist.") from None
        if not order_splittable(locked):
            raise InvalidTransition(
                f"Order {locked.number} is {locked.get_status_display().lower()}: only an order "
                "that has not shipped can be split.",
                details={"transition": "split", "status": locked.status},
            )
        order_lines = list(locked.lines.order_by("id"))
        moves = _moves_per_line(locked, order_lines, wanted)
        backorder = _backorder_create(locked, order_lines, moves, actor=actor, reason=reason)
    return backorder


def _moves_parse(lines: Any) -> list[tuple[str, int]]:
    """The request's [{sku, quantity}] as (sku, quantity) pairs, or a 400 naming each bad one."""
    if not isinstance(lines, list) or not lines:
        raise OrderValidationError(
            "Name the quantities to move.", details={"lines": ["This list may not be empty."]}
        )
    errors: dict[str, list[str]] = {}
    moves: list[tuple[str, int]] = []
    for index, line in enumerate(lines):
        sku = str(line.get("sku", "")).strip() if isinstance(line, dict) else ""
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if not sku:
            errors[f"lines[{index}].sku"] = ["This field is required."]
        elif not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            errors[f"lines[{index}].quantity"] = ["Must be a whole number, 1 or more."]
        else:
            moves.append((sku, quantity))
    if errors:
        raise OrderValidationError("Some lines to move are not valid.", details=errors)
    return moves


def _moves_per_line(
    order: Order, order_lines: list[OrderLine], wanted: list[tuple[str, int]]
) -> dict[int, int]:
    """Spread the wanted quantities over the order's lines: {line id: units moving}.

    A SKU on several lines gives from its last line first. Refuses an unknown
    SKU (400), more than its lines may give (409, saying what holds them) and
    every remaining unit of the order (409).
    """
    lines_of: dict[str, list[OrderLine]] = {}
    for line in order_lines:
        lines_of.setdefault(line.sku, []).append(line)
    unknown = {
        f"lines[{index}].sku": [f"Order {order.number} has no SKU '{sku}'."]
        for index, (sku, _quantity) in enumerate(wanted)
        if sku not in lines_of
    }
    if unknown:
        raise OrderValidationError("Some lines to move are not on the order.", details=unknown)

    minimums = order_line_minimums(order)
    left = {
        line.pk: line.quantity - (minimums[line.pk].quantity if line.pk in minimums else 0)
        for line in order_lines
    }
    moves: dict[int, int] = {}
    asked: dict[str, int] = {}
    for index, (sku, quantity) in enumerate(wanted):
        asked[sku] = asked.get(sku, 0) + quantity
        may_move = sum(max(left[line.pk], 0) for line in lines_of[sku])
        if asked[sku] > may_move:
            raise OrderConflict(
                f"Only {may_move} x {sku} can move to a back-order"
                + _held_text(lines_of[sku], minimums)
                + ".",
                details={
                    f"lines[{index}].quantity": [f"At most {may_move} x {sku} can move."],
                    "sku": sku,
                },
            )
        remaining = quantity
        for line in reversed(lines_of[sku]):
            share = min(remaining, max(left[line.pk] - moves.get(line.pk, 0), 0))
            if share:
                moves[line.pk] = moves.get(line.pk, 0) + share
                remaining -= share
    if sum(line.quantity for line in order_lines) == sum(moves.values()):
        raise OrderConflict(
            f"Moving every item of order {order.number} would leave nothing to ship now; "
            "cancel it or hold it instead.",
            details={"lines": ["Leave at least one unit on the order."]},
        )
    return moves


def _held_text(lines: list[OrderLine], minimums: dict) -> str:
    held = [
        f"{minimum.quantity} {_HELD_AS.get(minimum.kind, minimum.kind)}"
        for minimum in (minimums.get(line.pk) for line in lines)
        if minimum is not None
    ]
    return f" ({', '.join(held)})" if held else ""


def _backorder_create(
    order: Order,
    order_lines: list[OrderLine],
    moves: dict[int, int],
    *,
    actor: Actor,
    reason: str,
) -> Order:
    """Lower the locked `order` by `moves` and create its back-order; write, record, publish."""
    now = timezone.now()
    moved_lines = [(line, moves[line.pk]) for line in order_lines if moves.get(line.pk)]
    moved_total = sum((line.unit_price * quantity for line, quantity in moved_lines), Decimal("0"))
    if moved_total > order.total:
        # The order's discount stays with it: the goods left must still carry it.
        raise OrderConflict(
            _("The order's discount is larger than what would stay on it; move fewer items."),
            details={"lines": [str(order.discount_total)]},
        )
    # Captured money goes with the goods, never more than the original still holds.
    paid_moved = min(moved_total, max(order.amount_paid - order.amount_refunded, Decimal("0")))

    # The original: lower its lines (a line whose every unit moved goes), then its money.
    emptied = [line.pk for line, quantity in moved_lines if quantity == line.quantity]
    for line, quantity in moved_lines:
        if quantity < line.quantity:
            line.quantity -= quantity
            line.line_total = line.unit_price * line.quantity
            line.save(update_fields=["quantity", "line_total"])
    if emptied:
        _lines_delete(order, [line for line in order_lines if line.pk in emptied])
    order.subtotal -= moved_total
    order.total -= moved_total
    order.amount_paid -= paid_moved
    # Goods the money did not cover take their part of what is due with them.
    unpaid_moved = moved_total - paid_moved if order.payment_status in _PAID else Decimal("0")
    order.amount_due = max(order.amount_due - unpaid_moved, Decimal("0.00"))
    order.version += 1
    order.save(
        update_fields=["subtotal", "total", "amount_paid", "amount_due", "version", "updated_at"]
    )

    backorder = _backorder_insert(order, moved_total=moved_total, paid_moved=paid_moved, now=now)
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=backorder,
                sku=line.sku,
                name=line.name,
                category=line.category,
                quantity=quantity,
                unit_price=line.unit_price,
                line_total=line.unit_price * quantity,
            )
            for line, quantity in moved_lines
        ]
    )
    moved = tuple(
        {
            "sku": line.sku,
            "name": line.name,
            "quantity": str(quantity),
            "unit_price": str(line.unit_price),
            "line_total": str(line.unit_price * quantity),
        }
        for line, quantity in moved_lines
    )
    moved_text = ", ".join(f"{quantity} x {line.sku}" for line, quantity in moved_lines)
    data = {
        "moved": list(moved),
        "moved_total": str(moved_total),
        "paid_moved": str(paid_moved),
    }
    who = actor_or_none(actor)
    OrderEvent.objects.bulk_create(
        [
            OrderEvent(
                order=order,
                event_type=OrderEventType.NOTE,
                actor=who,
                reason=reason[:500],
                note=f"Split: {moved_text} moved to back-order {backorder.number}.",
                data={"kind": SPLIT_KIND, "backorder": backorder.number, **data},
                created_at=now,
            ),
            OrderEvent(
                order=backorder,
                event_type=OrderEventType.NOTE,
                actor=who,
                reason=reason[:500],
                note=f"Back-order of {order.number}: {moved_text}.",
                data={"kind": BACKORDER_KIND, "backorder_of": order.number, **data},
                created_at=now,
            ),
        ]
    )
    publish(
        OrderSplit(
            order=order,
            backorder=backorder,
            moved=moved,
            moved_total=moved_total,
            paid_moved=paid_moved,
            reason=reason,
        )
    )
    return backorder


def _lines_delete(order: Order, lines: list[OrderLine]) -> None:
    """Delete lines every unit of which moved; refuse (409) one that other records still hold."""
    order_lines_release([line.pk for line in lines])
    try:
        with transaction.atomic():
            OrderLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    except ProtectedError:
        skus = ", ".join(line.sku for line in lines)
        raise OrderConflict(
            f"A line of order {order.number} ({skus}) is still named by a supplier or "
            "after-sales request; leave at least one unit of it on the order.",
            details={"lines": [f"Leave at least one unit of {skus} on the order."]},
        ) from None


def _backorder_payment(order: Order, *, paid_moved: Decimal) -> str:
    """The back-order's payment status: what the original's payment becomes for the moved goods."""
    if order.payment_status == PaymentStatus.AUTHORIZED:
        return PaymentStatus.AUTHORIZED  # each order captures its own total
    if paid_moved > 0:
        # Less than its total only when refunds ate into the money: the rest is still due.
        return PaymentStatus.PAID
    if order.payment_status == PaymentStatus.VOIDED:
        return PaymentStatus.VOIDED
    return PaymentStatus.UNPAID


def _backorder_external_id(order: Order) -> str:
    """The original's external id with "-B<n>", the first n not used in the storefront."""
    taken = set(
        Order.objects.filter(
            storefront_id=order.storefront_id, external_id__startswith=f"{order.external_id}-B"
        ).values_list("external_id", flat=True)
    )
    for count in range(order.backorders.count() + 1, order.backorders.count() + 1000):
        suffix = f"-B{count}"
        candidate = order.external_id[: 100 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise OrderConflict(f"Order {order.number} has too many back-orders.")


def _backorder_insert(
    order: Order, *, moved_total: Decimal, paid_moved: Decimal, now: Any
) -> Order:
    """Write the back-order's row: the original's customer, address copy, payment and team."""
    address = order.shipping_address
    address_copy = Address.objects.create(
        customer_id=address.customer_id,
        name=address.name,
        line1=address.line1,
        line2=address.line2,
        city=address.city,
        province=address.province,
        postal_code=address.postal_code,
        country=address.country,
        phone=address.phone,
    )
    number = order_number_generate()
    while Order.objects.filter(number=number).exists():
        number = order_number_generate()
    payment_status = _backorder_payment(order, paid_moved=paid_moved)
    # The original was accepted (or is about to be): the moved goods are too, when paid for
    # or not needing to be; otherwise the back-order waits to be confirmed like any order.
    confirmed = payment_allows_fulfilment(
        Order(payment_status=payment_status, payment_method=order.payment_method)
    )
    backorder = Order(
        number=number,
        storefront=order.storefront,
        external_id=_backorder_external_id(order),
        customer_id=order.customer_id,
        shipping_address=address_copy,
        status=OrderStatus.PROCESSING if confirmed else OrderStatus.RECEIVED,
        payment_method=order.payment_method,
        payment_status=payment_status,
        backorder_of=order,
        currency=order.currency,
        subtotal=moved_total,
        shipping_price=Decimal("0.00"),
        total=moved_total,
        amount_paid=paid_moved,
        amount_due=moved_total - paid_moved if payment_status == PaymentStatus.PAID else 0,
        placed_at=order.placed_at,
        confirmed_at=now if confirmed else None,
        priority=order.priority,
        team_id=order.team_id,
    )
    if confirmed:
        order_plan_confirmed(backorder, start=now)
    else:
        for field, value in confirmation_clock(storefront=order.storefront, start=now).items():
            setattr(backorder, field, value)
    backorder.save(force_insert=True)
    return backorder
