"""Reading numbers that people and clients type: forms, headers, query strings."""

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
