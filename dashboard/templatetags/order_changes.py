"""`{{ change|change_text:currency }}`: one change of an order edit as staff read it.

An edit's changes are `{"field", "from", "to"}` with plain strings (as the API
and the `order.updated` webhook carry them); the order page's preview and its
timeline show them as "Quantity of MUG-1: 2 → 1", "Total: ₫210 → ₫110".
"""

import re

from django import template
from django.utils.translation import gettext as _

from shared.money import format_money

register = template.Library()

_LINE_FIELD = re.compile(r"^lines\[(?P<sku>.+)\]\.(?P<attribute>\w+)$")
_MONEY_FIELDS = {"shipping_price", "subtotal", "total"}


def _label(field: str) -> tuple[str, bool]:
    """What people call `field`, and whether its values are money."""
    line = _LINE_FIELD.match(field)
    if line and line["attribute"] == "quantity":
        return _("Quantity of %(sku)s") % {"sku": line["sku"]}, False
    if line and line["attribute"] == "unit_price":
        return _("Unit price of %(sku)s") % {"sku": line["sku"]}, True
    labels = {
        "shipping_address": _("Ship to"),
        "customer.name": _("Customer name"),
        "customer.phone": _("Customer phone"),
        "shipping_price": _("Shipping price"),
        "subtotal": _("Subtotal"),
        "total": _("Total"),
        "status": _("Status"),
    }
    return labels.get(field, field), field in _MONEY_FIELDS


@register.filter
def change_text(change: object, currency: str) -> str:
    """Return `change` as "<what>: <before> → <after>"; "" for something that is not one."""
    if not isinstance(change, dict) or "field" not in change:
        return ""
    label, is_money = _label(str(change["field"]))
    before, after = str(change.get("from") or ""), str(change.get("to") or "")
    if is_money:
        before, after = format_money(before, currency), format_money(after, currency)
    return f"{label}: {before or '—'} → {after or '—'}"
