"""Money columns of the admin, written by the one formatter (shared.money.format_money)."""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.contrib import admin

from shared.money import format_money


def money_column(field: str, description: Any, *, currency: str = "currency") -> Callable:
    """An admin display method showing `field` in the active language, with its currency.

    `currency` is the attribute path of the row's currency ("order.currency" for
    a line); the column still sorts by the stored amount.
    """
    currency_of = attrgetter(currency)

    @admin.display(description=description, ordering=field)
    def show(model_admin: admin.ModelAdmin, obj: Any) -> str:
        return format_money(getattr(obj, field), currency_of(obj))

    return show
