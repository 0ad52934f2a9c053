"""What apps built on `orders` do when an edit lowers an order's lines.

`orders.services.edits` changes line quantities; some of those units may
already be off the shelf, which only fulfillment knows. (How far a line may
go down at all, what is packed, is `orders.line_minimums`.) As with the
transition guards (orders.lifecycle), fulfillment registers here, from its
`AppConfig.ready()`, so that `orders` never imports it: a *release* hook,
called in the edit's transaction, after the order is locked and before a
lowered line is written (or a removed one deleted), so that units picked for
it go back to stock and the rows that point at the line follow its new
quantity. A hook may refuse the edit by raising an `OrderError`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model  # an Order and its OrderLine rows


@dataclass(frozen=True)
class LineLowered:
    """One line an edit lowers; `quantity_after` 0 removes it."""

    line: Model  # orders.OrderLine, as it is before the edit
    quantity_before: int
    quantity_after: int


# name -> hook(order, lowered lines, actor)
ReleaseHook = Callable[[Model, list[LineLowered], Any], None]

_RELEASES: dict[str, ReleaseHook] = {}


def line_release_register(name: str, hook: ReleaseHook) -> None:
    """Add (or replace, by name) a hook told of the lines an edit lowers, before they are."""
    _RELEASES[name] = hook


def lines_released(order: Model, lowered: list[LineLowered], actor: Any) -> None:
    """Tell every registered hook which lines the edit lowers (call it before writing them)."""
    if not lowered:
        return
    for hook in _RELEASES.values():
        hook(order, lowered, actor)


def line_release_names() -> tuple[str, ...]:
    """Return the names of the registered release hooks (for the test that pins them)."""
    return tuple(_RELEASES)
