"""Orders taken by staff (orders.services.taking): only takers preview or take them."""

import pytest

from orders.models import Order
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.services import order_take_preview
from shared.errors import OrderValidationError, TransitionPermissionDenied

from .factories import StorefrontFactory, user_with_role

pytestmark = pytest.mark.django_db

FIELDS = {
    "customer": {"email": "lan@example.com", "name": "Lan", "phone": "+84901234567"},
    "shipping_address": {
        "name": "Lan",
        "line1": "12 Lê Lợi",
        "city": "TP. Hồ Chí Minh",
        "postal_code": "700000",
        "country": "VN",
    },
    "lines": [{"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000"}],
    "payment_method": "cod",
}


def test_a_preview_is_refused_to_staff_who_do_not_take_orders_whatever_the_channel():
    storefront = StorefrontFactory()
    for channel in ("phone", ""):
        with pytest.raises(TransitionPermissionDenied):
            order_take_preview(
                actor=user_with_role(WAREHOUSE), storefront=storefront, channel=channel, **FIELDS
            )


def test_a_preview_needs_a_known_channel_and_writes_nothing():
    storefront = StorefrontFactory()
    care = user_with_role(CUSTOMER_CARE)
    with pytest.raises(OrderValidationError):
        order_take_preview(actor=care, storefront=storefront, channel="", **FIELDS)

    totals = order_take_preview(actor=care, storefront=storefront, channel="phone", **FIELDS)

    assert str(totals.total) == "240000.00"
    assert not Order.objects.exists()
