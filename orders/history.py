"""How an order's history reads to people: the one wording registry.

`TRANSITION_MESSAGES` words each transition as people say what happened
("Payment authorized", "Order confirmed"), never its code name; the tracking
page, the API's events, the staff timeline and the e-mails take their words
from here (through `OrderEvent.headline` and `OrderEvent.customer_message`).

`OrderEvent.customer_message` words the order's own kinds (created, status
and payment changes). An app above `orders` that writes history rows of its
own kinds (fulfillment's after-sales requests) registers here, from its
`AppConfig.ready()`, the function that words them, so `orders` never imports
it. A kind with no registered wording says nothing to the customer.
"""

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

# What happened, for each transition (orders.services.TRANSITIONS names them).
TRANSITION_MESSAGES = {
    "confirm": _("Order confirmed"),
    "start_picking": _("Picking started"),
    "start_packing": _("Packing started"),
    "mark_ready_to_ship": _("Packed and ready to ship"),
    "ship": _("Order shipped"),
    "deliver": _("Order delivered"),
    # The request's own row follows and says what was opened.
    "open_after_sales": _("Return or request in progress"),
    "complete": _("Order completed"),
    "cancel": _("Order cancelled"),
    "hold": _("Order delayed"),
    "release": _("Order moving again"),
    "authorize_payment": _("Payment authorized"),
    "capture_payment": _("Payment received"),
    "refund_payment": _("Refund issued"),
    "void_payment": _("Payment reservation released"),
}
ORDER_RECEIVED_MESSAGE = _("Order received")

# The order changed after it was placed (orders.services.edits): its history row's
# `data["kind"]` -> what people read. The row lists the changes for staff.
ORDER_CHANGE_MESSAGES = {
    "edit": _("Order changed"),
    "partial_cancel": _("Some items were cancelled"),
}


def order_change_message(kind: object) -> str:
    """Return what people read for an order change of `kind` ("" for no such kind)."""
    message = ORDER_CHANGE_MESSAGES.get(kind) if isinstance(kind, str) else None
    return str(message) if message is not None else ""


def transition_message(transition: str) -> str:
    """Return what people read for `transition` ("" for a name nobody worded)."""
    message = TRANSITION_MESSAGES.get(transition)
    return str(message) if message is not None else ""


# OrderEvent.event_type -> the function that words such a row for the customer.
_CUSTOMER_MESSAGES: dict[str, Callable[[Any], str]] = {}


def customer_message_register(event_type: str, message: Callable[[Any], str]) -> None:
    """Word `event_type` history rows for customers with `message(row)` ("" for nothing)."""
    _CUSTOMER_MESSAGES[str(event_type)] = message


def customer_message_for(event_type: str) -> Callable[[Any], str] | None:
    """Return the registered wording of `event_type` rows, or None when none is."""
    return _CUSTOMER_MESSAGES.get(str(event_type))


def customer_message_kinds() -> tuple[str, ...]:
    """Return the kinds that have a registered wording (for the test that pins them)."""
    return tuple(sorted(_CUSTOMER_MESSAGES))
