from decimal import Decimal

import pytest
from django.utils import translation

from orders.templatetags.money import money


@pytest.mark.parametrize(
    "language, amount, currency, shown",
    [
        ("en", Decimal("355000.00"), "VND", "355,000 VND"),
        ("vi", Decimal("355000.00"), "VND", "355.000 VND"),
        ("en", Decimal("1234567.5"), "USD", "1,234,567.50 USD"),
        ("vi", Decimal("1234.5"), "usd", "1.234,50 USD"),
        ("en", Decimal("999.995"), "USD", "1,000.00 USD"),
        ("en", Decimal("-42000"), "VND", "-42,000 VND"),
        ("en", Decimal("0"), "VND", "0 VND"),
        ("en", None, "VND", ""),
    ],
)
def test_amounts_are_grouped_the_local_way_with_the_currencys_decimals(
    language, amount, currency, shown
):
    with translation.override(language):
        assert money(amount, currency) == shown
