"""System checks of the orders app's settings, run by `manage.py check`, runserver and deploys.

A business calendar without working hours makes every due time impossible: order
creation computes the confirmation clock, so it would refuse every order. Such a
calendar stops the process at start instead.
"""

from django.conf import settings
from django.core.checks import Error, register


@register()
def business_calendar_check(app_configs=None, **kwargs) -> list[Error]:
    """Refuse a calendar with no working day or a day that closes before it opens."""
    errors = []
    start, end = settings.BUSINESS_DAY_START_HOUR, settings.BUSINESS_DAY_END_HOUR
    if not (0 <= start < end <= 23):
        errors.append(
            Error(
                f"BUSINESS_DAY_START_HOUR ({start}) must be before BUSINESS_DAY_END_HOUR ({end}), "
                "both from 0 to 23.",
                id="orders.E001",
            )
        )
    weekdays = set(settings.BUSINESS_WEEKDAYS)
    if not weekdays or not weekdays <= set(range(7)):
        errors.append(
            Error(
                f"BUSINESS_WEEKDAYS ({sorted(weekdays)}) must name at least one day, "
                "0 (Monday) to 6 (Sunday).",
                id="orders.E002",
            )
        )
    return errors
