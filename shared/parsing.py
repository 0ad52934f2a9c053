"""Reading numbers that people and clients type: forms, headers, query strings."""

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shared.errors import OrderValidationError

# No body we accept nests deeper than a few levels (an order's lines, a line's fields);
# a deeper one is refused before any code walks it recursively.
JSON_MAX_DEPTH = 32

# The largest value an IntegerField (and a positive one) holds in every database.
INTEGER_MAX = 2**31 - 1


def whole_number(raw: str | None, *, maximum: int = INTEGER_MAX) -> int | None:
    """Return `raw` as a whole number from 0 to `maximum`, or None if it is not one.

    str.isdigit() alone is not enough: it accepts digits such as "²" that int()
    refuses, and numbers too large for the column they are meant for. Digits
    beyond the maximum's length are refused before int() sees them: Python
    refuses to convert more than 4300 digits (ValueError), and converting
    thousands of them is slow.
    """
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    value = int(digits)
    return value if value <= maximum else None


def version_or_none(raw: str | None, *, field: str = "version") -> int | None:
    """Return a posted order version, None when none was sent; refuse one that is not a version.

    A garbled version must not pass as "no version": that would skip the stale check.
    """
    if not (raw or "").strip():
        return None
    version = whole_number(raw)
    if version is None:
        message = _("The order version must be a whole number, as the page sent it.")
        raise OrderValidationError(message, details={field: [message]})
    return version


def amount_or_none(raw: str | None) -> Decimal | None:
    """Return a typed amount as a Decimal, None when left empty; refuse what is not a number.

    Which amounts are allowed (positive, at most what was paid, the currency's
    minor units) is the service's rule, not the form's.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise OrderValidationError(
            f"'{raw[:40]}' is not an amount.", details={"amount": ["Enter a number."]}
        ) from None


class JsonRefused(ValueError):
    """A request body that is not JSON we read: malformed, or nested too deeply."""


def json_parse(text: str | bytes) -> Any:
    """Return the JSON document in `text`; raise JsonRefused for one we will not read.

    The one JSON loader for request bodies (the API's parser uses it). Python's
    parser recurses per nesting level, so `[[[[...` thousands deep raises
    RecursionError, not ValueError; and a document just under that limit would
    break later code that walks it (hashing, error flattening). Both are refused here.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonRefused(f"JSON nested deeper than {JSON_MAX_DEPTH} levels.") from None
    except ValueError as error:
        raise JsonRefused(f"JSON parse error - {error}") from None
    if _json_depth_over(value, JSON_MAX_DEPTH):
        raise JsonRefused(f"JSON nested deeper than {JSON_MAX_DEPTH} levels.")
    return value


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON (RFC 8259); Python accepts them by default.
    raise ValueError(f"{name} is not a JSON value")


def _json_depth_over(value: Any, limit: int) -> bool:
    # Iterative, so that measuring a deep document cannot itself overflow the stack.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False
