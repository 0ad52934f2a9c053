"""`{{ amount|money:currency }}`: an amount as customers read it, in the active language."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.formats import get_format

register = template.Library()

# ISO 4217 currencies without a minor unit: 85,000 VND, never 85,000.00 VND.
ZERO_DECIMAL_CURRENCIES = frozenset({"VND", "JPY", "KRW", "IDR", "CLP", "ISK"})


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """Group thousands by three with the language's separators; the currency's usual decimals.

    Django's Vietnamese locale turns digit grouping off, but prices are always
    read grouped (355.000 VND), so the grouping is done here.
    """
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    places = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign, digits = ("-", f"{-rounded:f}") if rounded < 0 else ("", f"{rounded:f}")
    whole, _, fraction = digits.partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = sign + get_format("THOUSAND_SEPARATOR").join(groups)
    if fraction:
        text += get_format("DECIMAL_SEPARATOR") + fraction
    return f"{text} {currency.upper()}"
