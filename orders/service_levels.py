"""What we promise customers: the delivery date set when an order is confirmed.

Kept free of model imports so the order's `confirm` transition can use it.
"""

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.conf import settings

# Saturday and Sunday: carriers and the warehouse do not count them.
WEEKEND = (5, 6)


def business_days_add(start: date, days: int) -> date:
    """Return the date `days` business days after `start` (weekends skipped)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if current.weekday() not in WEEKEND:
            remaining -= 1
    return current


class _Promisable(Protocol):
    storefront: object
    shipping_address: object


def promised_delivery_date(order: _Promisable, *, confirmed_at: datetime) -> date:
    """The delivery date promised for `order` when it is confirmed at `confirmed_at`.

    The storefront sets how many business days delivery takes at home and
    abroad; days are counted in the warehouse's time zone.
    """
    storefront = order.storefront
    domestic = order.shipping_address.country.upper() == storefront.ships_from_country.upper()
    days = storefront.delivery_days_domestic if domestic else storefront.delivery_days_international
    local_day = confirmed_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    return business_days_add(local_day, days)
