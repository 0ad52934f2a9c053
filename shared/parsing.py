"""Reading numbers that people and clients type: forms, headers, query strings."""

from decimal import Decimal, InvalidOperation

from shared.errors import OrderValidationError

# The largest value an IntegerField (and a positive one) holds in every database.
INTEGER_MAX = 2**31 - 1


def whole_number(raw: str | None, *, maximum: int = INTEGER_MAX) -> int | None:
    """Return `raw` as a whole number from 0 to `maximum`, or None if it is not one.

    str.isdigit() alone is not enough: it accepts digits such as "²" that int()
    refuses, and numbers too large for the column they are meant for.
    """
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if value <= maximum else None


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
        raise OrderValidationError(f"'{raw}' is not an amount.") from None
