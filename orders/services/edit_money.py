"""Where the money goes after an edit of an order, and the sentence that says so."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from shared.money import format_money

from ..models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from .creation import order_amount_read
from .transitions import TRANSITIONS, _transition_apply, cancel_payment_consequence

_AMOUNT_NAMES = {
    "shipping_price": "The shipping price",
    "discount_total": "The discount",
    "tax_total": "The tax",
}


def order_amounts_set(order: Order, amounts: dict[str, Any]) -> list[dict[str, str]]:
    """Set the order-level amounts an edit asks for; return the discount and tax changes.

    The shipping price's change is stated with the totals (`_edit_write`).
    """
    changes = []
    for name, value in amounts.items():
        before = getattr(order, name)
        after = order_amount_read(value, order.currency, field=name, what=_AMOUNT_NAMES[name])
        setattr(order, name, after)
        if name != "shipping_price" and after != before:
            changes.append({"field": name, "from": str(before), "to": str(after)})
    return changes


def money_follow(order: Order, *, kind: str, total_before: Decimal) -> list[OrderEvent]:
    """Move a paid order's money by what the edit changed its total; return the payment rows.

    Authorized and unpaid orders need nothing: capture takes the total as it is
    then. On a paid order a higher total adds to `amount_due` (a second capture
    takes it); a lower one first lowers what is due, then refunds the rest, never
    more than is refundable. Refunds given before (goodwill, returns) stay given.
    """
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return []
    due = order.amount_due + (order.total - total_before)
    order.amount_due = max(due, Decimal("0.00"))
    overpaid = min(-due, order.amount_refundable)
    if overpaid <= 0:
        return []
    # The system's doing, as a cancellation's refund is: the person who edited did not
    # refund by hand and may not hold the refund permission; the edit's row names them.
    event = _transition_apply(
        order,
        TRANSITIONS["refund_payment"],
        actor=None,
        note="Automatic on edit.",
        reason="",
        amount=overpaid,
    )
    event.data["caused_by"] = "edit"
    event.data["edit_kind"] = kind
    return [event]


def edit_money_sentence(order: Order, *, refunded: Decimal, total_before: Decimal) -> str:
    """Say in one sentence what an edit does to the money of `order` (as it is after the edit)."""
    values = {"number": order.number}
    if refunded:
        values["amount"] = format_money(refunded, order.currency)
        if order.payment_method == PaymentMethod.CARD:
            return _("Refund %(amount)s to the card of order %(number)s.") % values
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            return (
                _("Refund %(amount)s to the customer of order %(number)s (paid in cash).") % values
            )
        return _("Refund %(amount)s against the invoice of order %(number)s.") % values
    if order.status == OrderStatus.CANCELLED:
        consequence = cancel_payment_consequence(order)
        if order.payment_status == PaymentStatus.VOIDED or consequence == "void_payment":
            return _("The payment reservation is released: nothing is taken.")
        return _("No money was taken, so none moves.")
    due = order.balance_due
    values["amount"] = format_money(due, order.currency)
    if order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED) and due > 0:
        return (
            _("A balance of %(amount)s will be due and must be captured before shipping.") % values
        )
    if order.total == total_before:
        return _("No change to the money.")
    if order.payment_status == PaymentStatus.UNPAID and (
        order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    ):
        return _("Cash on delivery will collect %(amount)s.") % values
    if order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED):
        return _("The amount to capture becomes %(amount)s.") % values
    return _("No change to the money.")
