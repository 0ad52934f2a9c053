"""The "your order was changed" e-mail: what an edit changed, in words a customer reads.

Two halves. `order_edit_snapshot` runs inside the edit's transaction (from the
OrderEdited subscriber) and keeps, in the notification's context, only what a
customer may read: line names and quantities, the new delivery address, the
new name or phone, the shipping price, the totals and the money consequence.
Never the reason, notes or who made the change: those are for staff.
`order_edit_rows` and `order_edit_money_sentence` turn that snapshot into
sentences when the e-mail is built, in the customer's language.

One e-mail per edit: the refund an edit causes is published after the edit as
its own payment event, and `notification_edit_refund_attach` puts its amount in
the edit's e-mail instead of sending a second one.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from orders.models import Order, PaymentMethod, PaymentStatus
from shared.money import format_money

# `lines[MUG-1].quantity` -> MUG-1; `lines[MUG-1]` (a line added or removed whole) too.
_LINE_FIELD = re.compile(r"^lines\[(?P<sku>.+)\](?:\.(?P<attribute>\w+))?$")

# The change fields a customer reads about (anything else an edit reports stays internal).
_CONTACT_FIELDS = {"customer.name": "name", "customer.phone": "phone"}

# What happens to the customer's money after an edit.
MONEY_REFUND = "refund"  # paid more than the new total: the difference goes back
MONEY_BALANCE_DUE = "balance_due"  # paid less than the new total: the rest is to pay
MONEY_CARD_CHARGE = "card_charge"  # authorized card: the new total will be taken
MONEY_ON_DELIVERY = "on_delivery"  # cash on delivery: the courier collects the new total
MONEY_TO_PAY = "to_pay"  # nothing paid yet: the new total is what to pay

_PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def _quantity(value: Any) -> str:
    return str(value if value not in (None, "") else "0")


def order_edit_money(
    order: Order, *, total_before: Decimal, refunded: Decimal
) -> tuple[str, Decimal]:
    """Return the money consequence of an edit of `order` and its amount ("", 0 for none).

    As the edit service moved it (orders.services.edit_money), read from what it
    did, never worked out again: `refunded` is what it gave back, `balance_due`
    what a paid order still owes; an authorized card is captured for the new
    total; cash on delivery collects it.
    """
    total = order.total
    if total == total_before:
        return "", Decimal("0")
    if order.payment_status in _PAID:
        if refunded > 0:
            return MONEY_REFUND, refunded
        if order.balance_due > 0:
            return MONEY_BALANCE_DUE, order.balance_due
        return "", Decimal("0")
    if order.payment_status == PaymentStatus.AUTHORIZED:
        return MONEY_CARD_CHARGE, total
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        return MONEY_ON_DELIVERY, total
    return MONEY_TO_PAY, total


def _address_text(order: Order) -> str:
    address = order.shipping_address
    if address is None:
        return ""
    city = " ".join(part for part in (address.postal_code, address.city) if part)
    parts = [address.name, address.line1, address.line2, city, address.country]
    return ", ".join(part for part in parts if part)


def order_edit_snapshot(
    order: Order,
    *,
    changes: tuple[dict[str, str], ...],
    kind: str,
    total_before: Decimal,
    shipping_price_before: Decimal,
    line_names: dict[str, str] | None = None,
    refunded: Decimal = Decimal("0"),
) -> dict[str, Any]:
    """Return what the e-mail about this edit of `order` says, kept as it is now.

    Call it inside the edit's transaction: `order` and its lines are as the
    edit left them.
    """
    # Every line the edit touched, removed ones included: no query inside the edit.
    names = line_names or {}
    rows: list[dict[str, str]] = []
    for change in changes:
        field = change.get("field", "")
        line = _LINE_FIELD.match(field)
        if line and line["attribute"] in (None, "quantity"):
            sku = line["sku"]
            rows.append(
                {
                    "what": "line",
                    # A removed line is gone from the order: the edit named it.
                    "name": names.get(sku) or change.get("name") or sku,
                    "from": _quantity(change.get("from")),
                    "to": _quantity(change.get("to")),
                }
            )
        elif field == "shipping_address":
            rows.append({"what": "address", "to": _address_text(order)})
        elif field in _CONTACT_FIELDS:
            rows.append(
                {
                    "what": _CONTACT_FIELDS[field],
                    "from": change.get("from", ""),
                    "to": change.get("to", ""),
                }
            )
        elif field == "shipping_price":
            rows.append(
                {
                    "what": "shipping",
                    "from": str(shipping_price_before),
                    "to": str(order.shipping_price),
                }
            )
    money, amount = order_edit_money(order, total_before=total_before, refunded=refunded)
    return {
        "edit_kind": kind,
        "changes": rows,
        "total_before": str(total_before),
        "total_after": str(order.total),
        "money": money,
        "money_amount": str(amount),
    }


def order_edit_rows(context: dict[str, Any], currency: str) -> list[str]:
    """Return one line of text per change in `context`, in the active language."""
    texts = []
    for row in context.get("changes", []):
        what = row.get("what")
        if what == "line":
            if row["to"] == "0":
                text = _("%(name)s: removed (was %(before)s)")
            elif row["from"] == "0":
                text = _("%(name)s: added, %(after)s")
            else:
                text = _("%(name)s: %(before)s → %(after)s")
            texts.append(text % {"name": row["name"], "before": row["from"], "after": row["to"]})
        elif what == "address":
            texts.append(_("New delivery address: %(address)s") % {"address": row["to"]})
        elif what == "name":
            texts.append(_("Name: %(before)s → %(after)s") % _before_after(row))
        elif what == "phone":
            texts.append(_("Phone: %(before)s → %(after)s") % _before_after(row))
        elif what == "shipping":
            texts.append(
                _("Shipping: %(before)s → %(after)s")
                % {
                    "before": format_money(row["from"], currency),
                    "after": format_money(row["to"], currency),
                }
            )
    return texts


def _before_after(row: dict[str, str]) -> dict[str, str]:
    return {"before": row.get("from") or "—", "after": row.get("to") or "—"}


def order_edit_money_sentence(context: dict[str, Any], currency: str) -> str:
    """Return what the edit means for the customer's money, in the active language."""
    money = context.get("money", "")
    amount = format_money(context.get("money_amount"), currency)
    if money == MONEY_REFUND:
        return _(
            "We are refunding %(amount)s to you. Depending on your bank, it can take a few "
            "days before you see it."
        ) % {"amount": amount}
    if money == MONEY_BALANCE_DUE:
        return _(
            "%(amount)s is still to pay for the new total. We will ask you for it before "
            "your order ships."
        ) % {"amount": amount}
    if money == MONEY_CARD_CHARGE:
        return _("Your card will be charged the new total, %(amount)s.") % {"amount": amount}
    if money == MONEY_ON_DELIVERY:
        return _("You pay the new total, %(amount)s, on delivery.") % {"amount": amount}
    if money == MONEY_TO_PAY:
        return _("The new total to pay is %(amount)s.") % {"amount": amount}
    return ""
