"""`{{ amount|money:currency }}`: an amount as its reader writes it, in the active language.

A thin template face of `shared.money.format_money` (Babel's CLDR rules), the
one money formatter of pages, e-mails, papers and reports.
"""

from decimal import Decimal

from django import template

from shared.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | str | None, currency: str) -> str:
    """Format `amount` of `currency` the active language's way (en "₫848,000", vi "848.000 ₫")."""
    return format_money(amount, currency)
