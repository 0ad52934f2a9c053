"""Orders staff take for customers: by phone, in a chat, at the shop counter, or through the API.

They go through the creation service every storefront order goes through
(`order_create_idempotent`), with the staff member as the actor and the
channel on the created history row: the order gets a number, its "order
received" e-mail and everything else an order from a storefront gets. Taking
an order needs `orders.take_order` (Manager and Customer care).
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from shared.actors import Actor, permission_require
from shared.errors import OrderValidationError

from ..models import Order, OrderChannel, Storefront
from .creation import TAKE_ORDER_PERMISSION, _order_request_check, order_create_idempotent

# Crockford's alphabet again (order numbers): easy to read out on the phone.
_EXTERNAL_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def staff_external_id_generate() -> str:
    """Return an external id for an order staff took: "STAFF-" and ten random letters.

    50 bits: two orders of one storefront drawing the same id would need about
    thirty million staff orders; creation refuses a duplicate (409) even then.
    """
    return "STAFF-" + "".join(_EXTERNAL_ID_ALPHABET[byte % 32] for byte in secrets.token_bytes(10))


def storefronts_for_taking() -> QuerySet[Storefront]:
    """Return the storefronts staff may take orders for: every active one, by name."""
    return Storefront.objects.filter(is_active=True).order_by("name")


def storefront_for_taking(code: str) -> Storefront:
    """Return the active storefront with this code, or refuse (400 on `storefront`)."""
    code = (code or "").strip()
    if not code:
        raise OrderValidationError(
            "Staff name the storefront the order is for.",
            details={"storefront": ["Send the storefront's code."]},
        )
    storefront = storefronts_for_taking().filter(code=code).first()
    if storefront is None:
        raise OrderValidationError(
            f"No active storefront has the code '{code}'.",
            details={"storefront": ["No active storefront has this code."]},
        )
    return storefront


@dataclass(frozen=True)
class TakenOrderTotals:
    """What an order would cost, computed as creating it computes it (nothing written)."""

    currency: str
    lines: tuple[dict[str, Any], ...]  # sku, name, quantity, unit_price, line_total
    subtotal: Decimal
    shipping_price: Decimal
    total: Decimal


def _taker_require(actor: Actor, channel: str) -> None:
    """Only staff who take orders, through a channel we know, preview or take one."""
    permission_require(actor, TAKE_ORDER_PERMISSION, "take orders for customers")
    if channel not in OrderChannel.values:
        raise OrderValidationError(
            f"Unknown channel '{channel}'.",
            details={"channel": [f"Must be one of: {', '.join(OrderChannel.values)}."]},
        )


def order_take_preview(
    *, actor: Actor, storefront: Storefront, channel: str, **order_fields: Any
) -> TakenOrderTotals:
    """Check an order staff are taking and return its totals; refuse it as creating would."""
    _taker_require(actor, channel)
    # The external id is the creation's to draw: a preview only needs a placeholder.
    order_fields.setdefault("external_id", "")
    checked = _order_request_check(
        storefront=storefront, actor=actor, channel=channel, **order_fields
    )
    return TakenOrderTotals(
        currency=checked["currency"],
        lines=tuple(checked["order_lines"]),
        subtotal=checked["subtotal"],
        shipping_price=checked["shipping_price"],
        total=checked["total"],
    )


def order_take(
    *,
    actor: Actor,
    storefront: Storefront,
    channel: str,
    idempotency_key: str,
    request_body: Any,
    note: str = "",
    **order_fields: Any,
) -> tuple[Order, bool]:
    """Create an order `actor` took for a customer, once per idempotency key.

    Returns the order and whether it was created now (False: the same request
    again, answered with the first order). Takes `order_create`'s fields; the
    created history row names `actor` and keeps `channel` and `note`.
    """
    _taker_require(actor, channel)
    return order_create_idempotent(
        storefront=storefront,
        idempotency_key=idempotency_key,
        request_body=request_body,
        actor=actor,
        channel=channel,
        note=note,
        **order_fields,
    )
