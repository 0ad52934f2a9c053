"""Changing an order after it was placed: lines, shipping price, address, contact.

DESIGN.md, "Changing an order". One edit is one transaction on the locked
order: the totals are computed again, the money follows through the payment
machine and the ledger (a refund of what was overpaid, a lower amount to
capture, or a `balance_due` that blocks shipping), a history row names who
changed what, before and after, and `OrderEdited` goes to the subscribers
(the `order.updated` webhook, one "your order was changed" e-mail).

INTERFACE (filled in by the edits work; other faces call only these):

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
"""

from dataclasses import dataclass, field
from decimal import Decimal

from ..models import Order


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
