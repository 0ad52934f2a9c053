"""Amounts are checked against the currency's minor units and formatted by Babel, once."""

from decimal import Decimal

import pytest
from django.utils import translation

from shared.errors import OrderValidationError
from shared.money import amount_in_minor_units, format_money, minor_units

NBSP = "\xa0"


def test_minor_units_come_from_the_currency() -> None:
    assert minor_units("VND") == 0
    assert minor_units("jpy") == 0
    assert minor_units("USD") == 2
    # Three minor units, but the columns keep two: a thousandth cannot be stored.
    assert minor_units("KWD") == 2


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.50", "USD", Decimal("12.50")),
        ("12.5", "USD", Decimal("12.50")),
        (Decimal("0.01"), "USD", Decimal("0.01")),
        ("848000", "VND", Decimal("848000")),
        # Trailing zeros lose nothing, so a stored "848000.00" is a whole VND amount.
        (Decimal("848000.00"), "VND", Decimal("848000")),
        (7, "VND", Decimal("7")),
        ("-3.20", "USD", Decimal("-3.20")),
    ],
)
def test_amounts_within_the_minor_units_pass_unchanged(amount, currency, expected) -> None:
    checked = amount_in_minor_units(amount, currency)
    assert checked == expected
    assert checked.as_tuple().exponent == -2  # at the money columns' scale, as stored


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("0.005", "USD", "USD amounts have at most 2 decimals."),
        (Decimal("12.501"), "USD", "USD amounts have at most 2 decimals."),
        ("1.5", "VND", "VND amounts have no decimals."),
        ("848000.01", "VND", "VND amounts have no decimals."),
    ],
)
def test_more_precision_than_the_currency_has_is_refused_not_rounded(
    amount, currency, message
) -> None:
    with pytest.raises(OrderValidationError) as refused:
        amount_in_minor_units(amount, currency, field="refund_amount")
    assert refused.value.code == "validation_error"
    assert refused.value.details == {"refund_amount": [message]}


@pytest.mark.parametrize("amount", [None, "", "abc", "NaN", "Infinity", True, "1e400", "9" * 300])
def test_what_is_not_a_storable_amount_is_refused(amount) -> None:
    with pytest.raises(OrderValidationError) as refused:
        amount_in_minor_units(amount, "USD")
    assert list(refused.value.details) == ["amount"]


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("en", Decimal("848000.00"), "VND", "₫848,000"),
        ("en", Decimal("12.5"), "USD", "$12.50"),
        ("en", Decimal("-1234.5"), "USD", "-$1,234.50"),
        ("en", "0", "vnd", "₫0"),
        ("vi", Decimal("848000.00"), "VND", f"848.000{NBSP}₫"),
        ("vi", Decimal("12.5"), "USD", f"12,50{NBSP}US$"),
        ("vi", Decimal("1234567.5"), "USD", f"1.234.567,50{NBSP}US$"),
    ],
)
def test_format_money_in_the_active_language(language, amount, currency, expected) -> None:
    with translation.override(language):
        assert format_money(amount, currency) == expected


def test_format_money_takes_an_explicit_locale_and_skips_what_is_not_a_number() -> None:
    with translation.override("en"):
        assert format_money("12.5", "USD", "vi") == f"12,50{NBSP}US$"
    assert format_money(None, "USD") == ""
    assert format_money("", "USD") == ""
    assert format_money("abc", "USD") == ""
