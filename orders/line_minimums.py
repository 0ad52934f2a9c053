"""How far each order line may still go down: quantities other apps hold on to.

A line's quantity cannot drop below what the warehouse already took off the
shelf, packed or shipped, nor below what a supplier delivered straight to the
customer. Those quantities live in `fulfillment`, above this app; it registers
here (from its `AppConfig.ready()`) one function per kind of hold, so that the
services that lower lines (back-orders, edits, partial cancellation) ask here
and `orders` never imports it.

Each registered function takes the order and returns {order line id: quantity}.
`order_line_minimums` gives, per line, the largest of them and the kind that
set it, so a refusal can say why ("3 x MUG-1 are packed").

A line whose every unit goes (moved to a back-order, removed by an edit) is
deleted; apps whose rows point at it without holding goods (a pick recorded
short) let go of them first, through `line_removal_register`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Model  # an Order; orders.models is not needed to hold the registry

# kind ("picked", "packed", ...) -> the function giving {line id: quantity held} for an order.
_MINIMUMS: dict[str, Callable[[Model], dict[int, int]]] = {}


@dataclass(frozen=True)
class LineMinimum:
    """The lowest a line may go, and which kind of hold sets it."""

    quantity: int
    kind: str


def line_minimum_register(kind: str, minimum: Callable[[Model], dict[int, int]]) -> None:
    """Let `minimum(order)` hold lines of every order at {line id: quantity}; replaces `kind`."""
    _MINIMUMS[kind] = minimum


def line_minimum_kinds() -> tuple[str, ...]:
    """Return the registered kinds, sorted (for the test that pins them)."""
    return tuple(sorted(_MINIMUMS))


def order_line_minimums(
    order: Model, *, kinds: Iterable[str] | None = None
) -> dict[int, LineMinimum]:
    """Return {line id: LineMinimum} for the lines of `order` something holds (others may go to 0).

    `kinds` limits the holds consulted (all registered ones by default); an
    unknown kind is refused, so a typo cannot silently allow everything.
    """
    names = list(_MINIMUMS) if kinds is None else list(kinds)
    unknown = [name for name in names if name not in _MINIMUMS]
    if unknown:
        raise ValueError(f"Unknown line minimum kinds: {', '.join(unknown)}.")
    floors: dict[int, LineMinimum] = {}
    for name in names:
        for line_id, quantity in _MINIMUMS[name](order).items():
            if quantity > 0 and (line_id not in floors or quantity > floors[line_id].quantity):
                floors[line_id] = LineMinimum(quantity=quantity, kind=name)
    return floors


# Functions that let go of an app's records of order lines about to be deleted, where
# those records hold no goods (a pick recorded short): without that, the app's
# protecting foreign key would refuse the deletion of a line whose every unit moved.
_RELEASES: list[Callable[[list[int]], None]] = []


def line_removal_register(release: Callable[[list[int]], None]) -> None:
    """Call `release(line_ids)` before order lines holding no goods are deleted."""
    if release not in _RELEASES:
        _RELEASES.append(release)


def order_lines_release(line_ids: list[int]) -> None:
    """Let every app drop its goods-free records of these lines; call it before deleting them."""
    for release in _RELEASES:
        release(line_ids)
