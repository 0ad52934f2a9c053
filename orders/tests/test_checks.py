"""A business calendar without working hours stops the process at start, not order creation."""

import pytest

from orders.checks import business_calendar_check


def test_the_default_calendar_passes():
    assert business_calendar_check() == []


@pytest.mark.parametrize(
    ("start", "end", "weekdays", "ids"),
    [
        (17, 8, [0, 1, 2, 3, 4], ["orders.E001"]),
        (8, 24, [0, 1, 2, 3, 4], ["orders.E001"]),  # time(24) does not exist
        (8, 17, [], ["orders.E002"]),
        (8, 17, [7], ["orders.E002"]),
    ],
)
def test_a_calendar_without_working_hours_is_an_error(settings, start, end, weekdays, ids):
    settings.BUSINESS_DAY_START_HOUR = start
    settings.BUSINESS_DAY_END_HOUR = end
    settings.BUSINESS_WEEKDAYS = weekdays

    assert [error.id for error in business_calendar_check()] == ids
