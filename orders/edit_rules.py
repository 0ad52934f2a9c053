"""What apps built on `orders` say about an edit of an order's lines.

`orders.services.edits` changes line quantities; some of those units may
already be off the shelf or in a box, which only fulfillment knows. As with
the transition guards (orders.lifecycle), fulfillment registers here, from
its `AppConfig.ready()`, so that `orders` never imports it:

- a *floor* provider: for each line, the quantity it may not drop below and
  why ("2 are packed"); an edit below it is refused (409) naming the line;
- a *release* hook: called in the edit's transaction, after the order is
  locked and before a lowered line is written (or a removed one deleted), so
  that units picked for it go back to stock and the rows that point at the
  line follow its new quantity.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model  # an Order and its OrderLine rows


@dataclass(frozen=True)
class LineFloor:
    """A line may not go below `quantity`: `why` says so to a person ("2 are packed")."""

    quantity: int
    why: str


@dataclass(frozen=True)
class LineLowered:
    """One line an edit lowers; `quantity_after` 0 removes it."""

    line: Model  # orders.OrderLine, as it is before the edit
    quantity_before: int
    quantity_after: int


# name -> provider(order) -> {order line id: LineFloor}
FloorProvider = Callable[[Model], dict[int, LineFloor]]
# name -> hook(order, lowered lines, actor)
ReleaseHook = Callable[[Model, list[LineLowered], Any], None]

_FLOORS: dict[str, FloorProvider] = {}
_RELEASES: dict[str, ReleaseHook] = {}


def line_floor_register(name: str, provider: FloorProvider) -> None:
    """Add (or replace, by name) a provider of the quantities lines may not drop below."""
    _FLOORS[name] = provider


def line_release_register(name: str, hook: ReleaseHook) -> None:
    """Add (or replace, by name) a hook told of the lines an edit lowers, before they are."""
    _RELEASES[name] = hook


def line_floors(order: Model) -> dict[int, list[LineFloor]]:
    """Return {line id: the floors every provider puts on it} for `order`."""
    floors: dict[int, list[LineFloor]] = {}
    for provider in _FLOORS.values():
        for line_id, floor in provider(order).items():
            floors.setdefault(line_id, []).append(floor)
    return floors


def lines_released(order: Model, lowered: list[LineLowered], actor: Any) -> None:
    """Tell every registered hook which lines the edit lowers (call it before writing them)."""
    if not lowered:
        return
    for hook in _RELEASES.values():
        hook(order, lowered, actor)


def registered_edit_rules() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the names of the floor providers and of the release hooks (for the tests)."""
    return tuple(_FLOORS), tuple(_RELEASES)
