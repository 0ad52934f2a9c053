"""How kinds of history rows written by the apps built on `orders` read to the customer.

`OrderEvent.customer_message` words the order's own kinds (created, status
and payment changes). An app above `orders` that writes history rows of its
own kinds (fulfillment's after-sales requests) registers here, from its
`AppConfig.ready()`, the function that words them, so `orders` never imports
it. A kind with no registered wording says nothing to the customer.
"""

from collections.abc import Callable
from typing import Any

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
