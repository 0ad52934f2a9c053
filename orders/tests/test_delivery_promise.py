"""The delivery date promised when an order is confirmed."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from orders.models import OrderStatus
from orders.service_levels import business_days_add
from orders.services import order_transition

from .factories import StorefrontFactory, order_in_state, order_new

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 11, 16), 3, date(2026, 11, 19)),  # Monday + 3 = Thursday
        (date(2026, 11, 19), 3, date(2026, 11, 24)),  # Thursday + 3 skips the weekend
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # Saturday + 1 = Monday
        (date(2026, 11, 20), 0, date(2026, 11, 20)),
    ],
)
def test_business_days_skip_weekends(start, days, expected):
    assert business_days_add(start, days) == expected


@pytest.mark.django_db
def test_confirm_promises_a_date_in_business_days_from_the_warehouse_day():
    storefront = StorefrontFactory(delivery_days_domestic=2)
    order = order_new(storefront=storefront)

    # Friday 23:30 in Saigon is still Friday there, though Friday 16:30 UTC.
    friday_night = datetime(2026, 11, 20, 23, 30, tzinfo=SAIGON)
    with mock.patch("django.utils.timezone.now", return_value=friday_night):
        order = order_transition(order=order, transition="confirm", actor=None)

    assert order.promised_delivery_date == date(2026, 11, 24)  # Monday, Tuesday


@pytest.mark.django_db
def test_orders_abroad_get_the_international_promise():
    storefront = StorefrontFactory(
        ships_from_country="SG", delivery_days_domestic=1, delivery_days_international=10
    )
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)  # ships to VN

    assert order.promised_delivery_date == business_days_add(
        order.confirmed_at.astimezone(SAIGON).date(), 10
    )


@pytest.mark.django_db
def test_an_unconfirmed_order_has_no_promise_yet():
    assert order_new().promised_delivery_date is None
