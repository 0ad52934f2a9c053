from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from orders.templatetags.money import money

NBSP = "\xa0"


@pytest.mark.parametrize(
    "language, amount, currency, shown",
    [
        ("en", Decimal("355000.00"), "VND", "₫355,000"),
        ("vi", Decimal("355000.00"), "VND", f"355.000{NBSP}₫"),
        ("en", Decimal("1234567.5"), "USD", "$1,234,567.50"),
        ("vi", Decimal("1234.5"), "usd", f"1.234,50{NBSP}US$"),
        ("en", Decimal("-42000"), "VND", "-₫42,000"),
        ("en", Decimal("0"), "VND", "₫0"),
        ("en", None, "VND", ""),
    ],
)
def test_the_money_filter_is_babels_format_in_the_active_language(
    language, amount, currency, shown
):
    with translation.override(language):
        assert money(amount, currency) == shown


def test_templates_keep_the_money_filter_name():
    template = Template("{% load money %}{{ total|money:currency }}")
    with translation.override("vi"):
        shown = template.render(Context({"total": Decimal("848000.00"), "currency": "VND"}))
    assert shown == f"848.000{NBSP}₫"
