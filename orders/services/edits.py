"""Changing an order after it was placed: lines, shipping price, address, contact.

DESIGN.md, "Changing an order". One edit is one transaction on the locked
order: the totals are computed again, the money follows through the payment
machine and the ledger (a refund of what was overpaid, a lower amount to
capture, or a `balance_due` that blocks shipping), a history row names who
changed what, before and after, and `OrderEdited` goes to the subscribers
(the `order.updated` webhook, one "your order was changed" e-mail).

INTERFACE (other faces call only these):

- `order_edit(*, order, actor, reason, lines=None, shipping_address=None,
  customer=None, shipping_price=None, expected_version=None, preview=False,
  note="")` -> OrderEditResult.
  `lines`: `[{"sku", "quantity", "name"?, "unit_price"?, "category"?}]`, the
  line's new quantity (0 removes it); an unknown `sku` adds a line and needs
  `name` and `unit_price`. `shipping_address`: the whole address dict (name,
  line1, line2, city, postal_code, country). `customer`: `{name?, phone?}`.
  `actor` None is the storefront (or the system); a person needs
  `orders.edit_order`. `preview=True` computes everything (changes, totals,
  money consequence) and writes nothing.
- `order_cancel_lines(*, order, actor, reason, lines, expected_version=None,
  preview=False, note="")` -> OrderEditResult. `lines`: `[{"sku",
  "quantity"}]`, the quantities to cancel. Cancelling every remaining unit
  cancels the whole order (`order_transition("cancel")`). A person needs
  `orders.cancel_order`.

Refusals: OrderValidationError (400), TransitionPermissionDenied (403),
OrderConflict (409 `conflict`, `details` naming the field or line),
StaleOrderVersion (412).

Rules: address and contact change until the order ships (received to
ready_to_ship, or held from one of those); lines and the shipping price until
packing starts (received, processing, picking, or held from those); a partial
cancellation until the order ships. No line drops below what fulfillment has
packed or shipped (`orders.edit_rules` floors). Money: a lower total on a paid
order refunds the difference (the refund transition, as the system, with
`caused_by: "edit"`); on an authorized or unpaid one, capture takes the new
total; a higher total on a paid order leaves `Order.balance_due`, which a
second capture takes and without which a card or invoice order does not ship.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition

from customers.models import Address
from shared.actors import Actor, actor_or_none
from shared.errors import OrderConflict, OrderValidationError
from shared.money import amount_in_minor_units

from ..edit_rules import LineLowered, lines_released
from ..events import OrderEdited, publish
from ..line_minimums import line_minimum_kinds, order_line_minimums
from ..locking import order_lock, order_team_require, order_version_require
from ..models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
)
from .creation import (
    _line_within_columns,
    _money_within_column,
    order_total_compute,
)
from .edit_input import (
    EditRequest,
    LineRequest,
    address_read,
    customer_read,
    lines_read,
    permission_require,
    reason_require,
)
from .edit_money import edit_money_sentence, money_follow, order_amounts_set
from .transitions import (
    _field_values,
    _fields_changed,
    _side_effects_register,
    _transition_published,
    order_transition,
)


@dataclass(frozen=True)
class OrderEditResult:
    """What an edit did (or, previewed, would do)."""

    order: Order
    changes: tuple[dict[str, str], ...]
    total_before: Decimal
    total_after: Decimal
    refunded: Decimal = Decimal("0")  # given back by this edit
    balance_due: Decimal = Decimal("0")  # still to collect after it
    money: str = ""  # one sentence a person reads: "Refund 40,000 ₫ to the card of order OR…"
    preview: bool = False
    lines_after: tuple[dict[str, str], ...] = field(
        default=()
    )  # sku, name, quantity, unit_price, line_total
    kind: str = "edit"  # "edit" or "partial_cancel" ("cancel" when it cancelled the order)


EDIT_KINDS = ("edit", "partial_cancel")

# Until the order ships: its address and contact, and cancelling some of it.
CONTACT_EDITABLE = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.PROCESSING,
        OrderStatus.PICKING,
        OrderStatus.PACKING,
        OrderStatus.READY_TO_SHIP,
    }
)
# Until packing starts: its lines and shipping price.
LINES_EDITABLE = frozenset({OrderStatus.RECEIVED, OrderStatus.PROCESSING, OrderStatus.PICKING})


def order_edit(
    *,
    order: Order | int,
    actor: Actor,
    reason: str,
    lines: list[dict[str, Any]] | None = None,
    shipping_address: dict[str, Any] | None = None,
    customer: dict[str, Any] | None = None,
    shipping_price: Decimal | str | None = None,
    expected_version: int | None = None,
    preview: bool = False,
    note: str = "",
    discount_total: Decimal | str | None = None,
    tax_total: Decimal | str | None = None,
) -> OrderEditResult:
    """Change `order`'s lines, shipping price, address or contact in one edit (see the module).

    `discount_total` and `tax_total` (the shop's own figures, as a platform's update
    sends them) change under the same rule as the shipping price.
    """
    permission_require(actor, "orders.edit_order", _("You may not edit orders."))
    reason = reason_require(reason)
    requested = EditRequest(
        lines=lines_read(lines) if lines is not None else None,
        shipping_address=address_read(shipping_address) if shipping_address is not None else None,
        customer=customer_read(customer) if customer is not None else None,
        shipping_price=shipping_price,
        discount_total=discount_total,
        tax_total=tax_total,
    )
    if requested.empty:
        raise OrderValidationError(
            _("Say what to change: lines, shipping_address, customer or shipping_price."),
            details={"non_field_errors": [_("Nothing to change was sent.")]},
        )
    return _run(
        order,
        preview,
        lambda locked: _edit_locked(
            locked,
            requested,
            actor=actor,
            reason=reason,
            note=note,
            kind="edit",
            expected_version=expected_version,
        ),
    )


def order_cancel_lines(
    *,
    order: Order | int,
    actor: Actor,
    reason: str,
    lines: list[dict[str, Any]],
    expected_version: int | None = None,
    preview: bool = False,
    note: str = "",
) -> OrderEditResult:
    """Cancel some quantities of `order`'s lines; all that is left cancels the order."""
    permission_require(actor, "orders.cancel_order", _("You may not cancel orders."))
    reason = reason_require(reason)
    cancelled = lines_read(lines, cancelling=True)
    if not cancelled:
        raise OrderValidationError(
            _("Name the lines and quantities to cancel."),
            details={"lines": [_("This list may not be empty.")]},
        )
    return _run(
        order,
        preview,
        lambda locked: _cancel_lines_locked(
            locked,
            cancelled,
            actor=actor,
            reason=reason,
            note=note,
            expected_version=expected_version,
        ),
    )


# -- the edit, on the locked order ----------------------------------------------------------


class _Previewed(Exception):
    """Roll a previewed edit back, carrying what it computed."""

    def __init__(self, result: OrderEditResult) -> None:
        super().__init__("preview")
        self.result = result


def _run(order: Order | int, preview: bool, change) -> OrderEditResult:
    """Run `change(locked order)` in one transaction; a preview rolls it all back."""
    order_pk = order.pk if isinstance(order, Order) else order
    try:
        with transaction.atomic():
            try:
                locked = order_lock(order_pk)
            except Order.DoesNotExist:
                raise OrderValidationError(f"Order {order_pk} does not exist.") from None
            result = change(locked)
            if preview:
                # Everything was computed by doing it: the same checks, the same numbers.
                raise _Previewed(result)
    except _Previewed as previewed:
        result = previewed.result
        result.order.version -= 1  # as the caller still sees it: nothing was saved
        return replace(result, preview=True)
    return result


def _status_for_edit(order: Order) -> str:
    """The status the edit rules look at: a held order is judged by where it was held from."""
    return order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status


def _closed_refusal(order: Order) -> OrderConflict:
    return OrderConflict(
        _("Order %(number)s is %(status)s: it can no longer be changed.")
        % {"number": order.number, "status": order.get_status_display().lower()},
        details={"status": [order.status]},
    )


def _edit_locked(
    locked: Order,
    requested: EditRequest,
    *,
    actor: Actor,
    reason: str,
    note: str,
    kind: str,
    expected_version: int | None,
) -> OrderEditResult:
    order_team_require(locked, actor)
    order_version_require(locked, expected_version)
    status = _status_for_edit(locked)
    if status not in CONTACT_EDITABLE:
        raise _closed_refusal(locked)
    money_fields = requested.money_fields
    lines_wanted = requested.lines is not None or bool(money_fields)
    if lines_wanted and status not in LINES_EDITABLE:
        message = _("Packing has started: the lines and the shipping price can no longer change.")
        fields = [*(["lines"] if requested.lines is not None else []), *money_fields]
        raise OrderConflict(message, details={name: [message] for name in fields})

    loaded = _field_values(locked)
    total_before, shipping_before = locked.total, locked.shipping_price
    changes: list[dict[str, str]] = []
    lines = list(locked.lines.order_by("id"))
    new_quantities: dict[int, int] = {}
    added: list[OrderLine] = []
    if requested.lines:
        new_quantities, added = _lines_plan(locked, lines, requested.lines)
    changes += order_amounts_set(locked, money_fields)

    changes += _lines_changes(lines, new_quantities, added)
    return _edit_write(
        locked,
        lines=lines,
        new_quantities=new_quantities,
        added=added,
        address=requested.shipping_address,
        customer=requested.customer,
        changes=changes,
        loaded=loaded,
        total_before=total_before,
        shipping_before=shipping_before,
        actor=actor,
        reason=reason,
        note=note,
        kind=kind,
    )


def _lines_plan(
    order: Order, lines: list[OrderLine], requested: list[LineRequest]
) -> tuple[dict[int, int], list[OrderLine]]:
    """Return {line id: new quantity} for the lines that change, and the new lines."""
    by_sku: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_sku.setdefault(line.sku, []).append(line)
    new_quantities: dict[int, int] = {}
    added: list[OrderLine] = []
    for wanted in requested:
        where = f"lines[{wanted.index}]"
        found = by_sku.get(wanted.sku, [])
        if len(found) > 1:
            message = _("The order has several lines with SKU %(sku)s; change them on the page.")
            raise OrderValidationError(
                message % {"sku": wanted.sku}, details={where: [message % {"sku": wanted.sku}]}
            )
        if found:
            line = found[0]
            if wanted.unit_price is not None:
                price = amount_in_minor_units(
                    wanted.unit_price, order.currency, field=f"{where}.unit_price"
                )
                if price != line.unit_price:
                    message = _("A line's price does not change: remove the line and add it again.")
                    raise OrderValidationError(message, details={f"{where}.unit_price": [message]})
            _line_within_columns(
                index=wanted.index, quantity=wanted.quantity, unit_price=line.unit_price
            )
            if wanted.quantity != line.quantity:
                new_quantities[line.pk] = wanted.quantity
            continue
        if wanted.quantity == 0:
            message = _("The order has no line with SKU %(sku)s.") % {"sku": wanted.sku}
            raise OrderValidationError(message, details={f"{where}.sku": [message]})
        if wanted.name is None or wanted.unit_price is None:
            message = _("A new line needs a name and a unit price.")
            raise OrderValidationError(
                message,
                details={
                    f"{where}.{name}": [_("This field is required.")]
                    for name, value in (("name", wanted.name), ("unit_price", wanted.unit_price))
                    if value is None
                },
            )
        price = amount_in_minor_units(
            wanted.unit_price, order.currency, field=f"{where}.unit_price"
        )
        if price < 0:
            message = _("Must be a decimal amount, 0 or more.")
            raise OrderValidationError(message, details={f"{where}.unit_price": [message]})
        _line_within_columns(index=wanted.index, quantity=wanted.quantity, unit_price=price)
        added.append(
            OrderLine(
                order=order,
                sku=wanted.sku,
                name=wanted.name,
                category=wanted.category or "",
                quantity=wanted.quantity,
                unit_price=price,
                line_total=price * wanted.quantity,
            )
        )
    _floors_require(order, lines, new_quantities)
    if not added and all(new_quantities.get(line.pk, line.quantity) == 0 for line in lines):
        message = _("An edit cannot remove every line: cancel the order instead.")
        raise OrderValidationError(message, details={"lines": [message]})
    return new_quantities, added


# The holds (orders.line_minimums) an edit respects, as the refusal says them. What is
# only picked is no hold: an edit puts it back on the shelf (orders.edit_rules).
EDIT_HOLDS = {
    "packed": gettext_lazy("%(count)s are packed"),
    "drop_shipped": gettext_lazy("%(count)s were delivered by the supplier"),
}


def _floors_require(order: Order, lines: list[OrderLine], new_quantities: dict[int, int]) -> None:
    """Refuse (409) a line lowered below what fulfillment packed or shipped, naming each."""
    lowered = {
        line.pk: new_quantities[line.pk]
        for line in lines
        if line.pk in new_quantities and new_quantities[line.pk] < line.quantity
    }
    if not lowered:
        return
    floors = order_line_minimums(
        order, kinds=[kind for kind in EDIT_HOLDS if kind in line_minimum_kinds()]
    )
    refusals = []
    for line in lines:
        floor = floors.get(line.pk)
        if line.pk in lowered and floor is not None and lowered[line.pk] < floor.quantity:
            why = EDIT_HOLDS[floor.kind] % {"count": floor.quantity}
            refusals.append(
                _("%(sku)s: %(why)s; the quantity cannot go below %(floor)s.")
                % {"sku": line.sku, "why": why, "floor": floor.quantity}
            )
    if refusals:
        raise OrderConflict(" ".join(refusals), details={"lines": refusals})


def _lines_changes(
    lines: list[OrderLine], new_quantities: dict[int, int], added: list[OrderLine]
) -> list[dict[str, str]]:
    changes = [
        {
            "field": f"lines[{line.sku}].quantity",
            "from": str(line.quantity),
            "to": str(new_quantities[line.pk]),
        }
        for line in lines
        if line.pk in new_quantities
    ]
    for line in added:
        changes += [
            {"field": f"lines[{line.sku}].quantity", "from": "0", "to": str(line.quantity)},
            {"field": f"lines[{line.sku}].unit_price", "from": "", "to": str(line.unit_price)},
        ]
    return changes


def _address_text(address: Address | dict[str, str]) -> str:
    value = (
        address.get
        if isinstance(address, dict)
        else lambda name, default="": getattr(address, name, default)
    )
    parts = [value("name", ""), value("line1", ""), value("line2", "")]
    parts.append(" ".join(part for part in (value("postal_code", ""), value("city", "")) if part))
    parts += [value("country", ""), value("phone", "")]
    return ", ".join(part for part in parts if part)


def _edit_write(
    locked: Order,
    *,
    lines: list[OrderLine],
    new_quantities: dict[int, int],
    added: list[OrderLine],
    address: dict[str, str] | None,
    customer: dict[str, str] | None,
    changes: list[dict[str, str]],
    loaded: dict[str, Any],
    total_before: Decimal,
    shipping_before: Decimal,
    actor: Actor,
    reason: str,
    note: str,
    kind: str,
) -> OrderEditResult:
    """Write the planned edit, move the money, write the history and publish."""
    if address is not None:
        old = locked.shipping_address
        if any(getattr(old, name) != value for name, value in address.items()):
            changes.append(
                {
                    "field": "shipping_address",
                    "from": _address_text(old),
                    "to": _address_text(address),
                }
            )
            # A new row: the old one stays as it was (another order may share it).
            locked.shipping_address = Address.objects.create(
                customer_id=locked.customer_id, **address
            )
    if customer:
        person = locked.customer
        contact = {
            name: value for name, value in customer.items() if getattr(person, name) != value
        }
        changes += [
            {"field": f"customer.{name}", "from": getattr(person, name), "to": value}
            for name, value in contact.items()
        ]
        if contact:
            for name, value in contact.items():
                setattr(person, name, value)
            person.save(update_fields=[*contact, "updated_at"])

    kept = [line for line in lines if new_quantities.get(line.pk, line.quantity) > 0]
    subtotal = sum(
        (line.unit_price * new_quantities.get(line.pk, line.quantity) for line in kept),
        Decimal("0.00"),
    ) + sum((line.line_total for line in added), Decimal("0.00"))
    total = order_total_compute(
        subtotal=subtotal,
        shipping_price=locked.shipping_price,
        discount_total=locked.discount_total,
        tax_total=locked.tax_total,
        taxes_included=locked.taxes_included,
    )
    _money_within_column("total", total, "The order total")
    if total < 0:
        message = _("The discount is larger than the goods, shipping and tax together.")
        raise OrderConflict(message, details={"discount_total": [message]})
    for name, before, after in (
        ("shipping_price", shipping_before, locked.shipping_price),
        ("subtotal", locked.subtotal, subtotal),
        ("total", total_before, total),
    ):
        if before != after:
            changes.append({"field": name, "from": str(before), "to": str(after)})
    if not changes:
        message = _("The edit changes nothing.")
        raise OrderValidationError(message, details={"non_field_errors": [message]})
    locked.subtotal, locked.total = subtotal, total

    lowered = [
        LineLowered(
            line=line, quantity_before=line.quantity, quantity_after=new_quantities[line.pk]
        )
        for line in lines
        if line.pk in new_quantities and new_quantities[line.pk] < line.quantity
    ]
    # Fulfillment puts picked units back and lets go of rows pointing at removed lines first.
    lines_released(locked, lowered, actor)
    _lines_write(lines, new_quantities, added)

    event = OrderEvent(
        order=locked,
        event_type=OrderEventType.NOTE,
        actor=actor_or_none(actor),
        reason=reason,
        note=note,
        customer_visible=True,
        data={"kind": kind, "changes": changes},
    )
    payment_events = money_follow(locked, kind=kind, total_before=total_before)
    locked.version += 1
    try:
        locked.save(update_fields=[*_fields_changed(locked, loaded), "updated_at"])
    except ConcurrentTransition:
        raise OrderConflict(
            f"Order {locked.number} was changed by someone else at the same time. "
            "Reload and try again."
        ) from None
    event.save()
    for payment_event in payment_events:
        payment_event.save()
    publish(
        OrderEdited(
            order=locked,
            changes=tuple(changes),
            reason=reason,
            kind=kind,
            total_before=total_before,
            shipping_price_before=shipping_before,
            line_names={line.sku: line.name for line in [*lines, *added]},
            refunded=sum((Decimal(event.data["amount"]) for event in payment_events), Decimal("0")),
        )
    )
    for payment_event in payment_events:
        _transition_published(locked, payment_event)
    _side_effects_register([event, *payment_events])
    refunded = sum(
        (Decimal(item.data.get("amount", "0")) for item in payment_events), Decimal("0.00")
    )
    kept_lines = [line for line in lines if line.pk in {kept_line.pk for kept_line in kept}]
    return OrderEditResult(
        order=locked,
        changes=tuple(changes),
        total_before=total_before,
        total_after=locked.total,
        refunded=refunded,
        balance_due=locked.balance_due,
        money=edit_money_sentence(locked, refunded=refunded, total_before=total_before),
        lines_after=tuple(_line_dict(line) for line in [*kept_lines, *added]),
        kind=kind,
    )


def _lines_write(
    lines: list[OrderLine], new_quantities: dict[int, int], added: list[OrderLine]
) -> None:
    removed = [line.pk for line in lines if new_quantities.get(line.pk, line.quantity) == 0]
    changed = []
    for line in lines:
        quantity = new_quantities.get(line.pk)
        if quantity:
            line.quantity, line.line_total = quantity, line.unit_price * quantity
            changed.append(line)
    if removed:
        OrderLine.objects.filter(pk__in=removed).delete()
    if changed:
        OrderLine.objects.bulk_update(changed, ["quantity", "line_total"])
    if added:
        OrderLine.objects.bulk_create(added)


def _line_dict(line: OrderLine) -> dict[str, str]:
    return {
        "sku": line.sku,
        "name": line.name,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "line_total": str(line.line_total),
    }


# -- partial cancellation -----------------------------------------------------------------


def _cancel_lines_locked(
    locked: Order,
    cancelled: list[LineRequest],
    *,
    actor: Actor,
    reason: str,
    note: str,
    expected_version: int | None,
) -> OrderEditResult:
    order_team_require(locked, actor)
    order_version_require(locked, expected_version)
    if _status_for_edit(locked) not in CONTACT_EDITABLE:
        raise _closed_refusal(locked)
    lines = list(locked.lines.order_by("id"))
    by_sku: dict[str, list[OrderLine]] = {}
    for line in lines:
        by_sku.setdefault(line.sku, []).append(line)
    requested: list[LineRequest] = []
    for wanted in cancelled:
        where = f"lines[{wanted.index}]"
        found = by_sku.get(wanted.sku, [])
        if not found:
            message = _("The order has no line with SKU %(sku)s.") % {"sku": wanted.sku}
            raise OrderValidationError(message, details={f"{where}.sku": [message]})
        if len(found) > 1:
            message = _("The order has several lines with SKU %(sku)s; change them on the page.")
            message = message % {"sku": wanted.sku}
            raise OrderValidationError(message, details={where: [message]})
        if wanted.quantity > found[0].quantity:
            message = _("Only %(quantity)s x %(sku)s are on the order.") % {
                "quantity": found[0].quantity,
                "sku": wanted.sku,
            }
            raise OrderValidationError(message, details={f"{where}.quantity": [message]})
        requested.append(replace(wanted, quantity=found[0].quantity - wanted.quantity))
    remaining = {line.pk: line.quantity for line in lines}
    for wanted in requested:
        remaining[by_sku[wanted.sku][0].pk] = wanted.quantity
    if not any(remaining.values()):
        return _cancel_whole(
            locked, actor=actor, reason=reason, note=note, expected_version=expected_version
        )
    loaded = _field_values(locked)
    new_quantities = {
        line.pk: remaining[line.pk] for line in lines if remaining[line.pk] != line.quantity
    }
    _floors_require(locked, lines, new_quantities)
    return _edit_write(
        locked,
        lines=lines,
        new_quantities=new_quantities,
        added=[],
        address=None,
        customer=None,
        changes=_lines_changes(lines, new_quantities, []),
        loaded=loaded,
        total_before=locked.total,
        shipping_before=locked.shipping_price,
        actor=actor,
        reason=reason,
        note=note,
        kind="partial_cancel",
    )


def _cancel_whole(
    locked: Order, *, actor: Actor, reason: str, note: str, expected_version: int | None
) -> OrderEditResult:
    """Every remaining unit was cancelled: the whole order is, as `order_transition` cancels."""
    refunded_before, status_before = locked.amount_refunded, locked.status
    cancelled = order_transition(
        order=locked.pk,
        transition="cancel",
        actor=actor,
        reason=reason,
        note=note,
        expected_version=expected_version,
    )
    refunded = cancelled.amount_refunded - refunded_before
    return OrderEditResult(
        order=cancelled,
        changes=({"field": "status", "from": status_before, "to": cancelled.status},),
        total_before=cancelled.total,
        total_after=cancelled.total,
        refunded=refunded,
        balance_due=cancelled.balance_due,
        money=edit_money_sentence(cancelled, refunded=refunded, total_before=cancelled.total),
        lines_after=tuple(_line_dict(line) for line in cancelled.lines.order_by("id")),
        kind="cancel",
    )
