"""What a transition that moves money will do, in the words a person confirms.

Cancel, void and refund change what the customer pays; the dashboard and the
admin show this sentence ("Refund ₫848,000 to the card of order OR-...") on a
confirmation step before anything runs, so staff confirm an amount, an order
and a destination rather than a button name. The sentence is built from the
same rules the transition service applies (`refund_amount_validate`,
`cancel_payment_consequence`), so it cannot promise something else.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from shared.actors import Actor
from shared.errors import OrderValidationError, TransitionPermissionDenied
from shared.money import format_money
from shared.parsing import amount_or_none, version_or_none

from .locking import order_version_require
from .models import Order, PaymentMethod, PaymentStatus
from .services.transitions import (
    TransitionSpec,
    cancel_payment_consequence,
    refund_amount_validate,
    transition_reason_validate,
    transition_spec_get,
)

# The inputs the confirmation step shows; a refusal of any other field is shown for the form.
STEP_FIELDS = frozenset({"reason", "amount"})

# The transitions that move (or release) a customer's money; each needs a confirmation.
MONEY_MOVES = frozenset({"cancel", "refund_payment", "void_payment"})


def transition_moves_money(transition: str) -> bool:
    """Return whether `transition` changes what the customer pays."""
    return transition in MONEY_MOVES


def money_move_preview(
    order: Order,
    *,
    transition: str,
    actor: Actor,
    reason: str,
    amount: str,
    expected_version: int | None,
) -> str:
    """Check a money move as typed on a page and return the sentence to confirm; write nothing.

    The checks the service will make again under the row lock, made early so the
    confirmation never promises what would be refused: the permission (403), the
    page's version (412), the reason, and the typed amount (400, naming the field).
    """
    spec = transition_spec_get(transition)
    if not actor.has_perm(spec.permission):
        raise TransitionPermissionDenied(
            _("You may not %(action)s orders.") % {"action": spec.label.lower()}
        )
    order_version_require(order, expected_version)
    transition_reason_validate(spec, reason)
    return money_move_describe(order, transition, amount_or_none(amount))


@dataclass(frozen=True)
class MoneyMoveStep:
    """A money move posted from a page, checked: the step to show, or the go-ahead.

    The dashboard and the admin each render it in their own frame; the reading
    of the post and the checks are this one place.
    """

    spec: TransitionSpec
    # What the step's form posts again: transition, version, reason, note, amount.
    values: dict[str, object]
    # The sentence to confirm; empty when the input was refused.
    text: str = ""
    # Field -> messages (400), or {"form": [...]} for a refusal without a field.
    errors: dict[str, list[str]] = field(default_factory=dict)
    # The confirm button's words ("Yes, refund ₫60"); none when nothing is to confirm.
    button: str = ""
    confirmed: bool = False

    @property
    def go_ahead(self) -> bool:
        """Whether the move was confirmed with input that passed every check."""
        return self.confirmed and not self.errors


def money_move_step(order: Order, data: Mapping[str, str], actor: Actor) -> MoneyMoveStep | None:
    """Read a transition posted from a page; None unless it moves money.

    Bad input (a refund of 1.5 VND, no amount, no reason) comes back as
    `errors`, also on a confirmed post, since the service would otherwise act
    on it. Refusals that are not about the input (permission 403, stale page
    412) are raised, as the service raises them.
    """
    transition = data.get("transition", "")
    if not transition_moves_money(transition):
        return None
    values = {
        "transition": transition,
        "version": order.version,
        "reason": data.get("reason", ""),
        "note": data.get("note", ""),
        "amount": data.get("amount", "").strip(),
    }
    spec = transition_spec_get(transition)
    try:
        text = money_move_preview(
            order,
            transition=transition,
            actor=actor,
            reason=values["reason"],
            amount=values["amount"],
            expected_version=version_or_none(data.get("version", "")),
        )
    except OrderValidationError as error:
        errors: dict[str, list[str]] = {}
        for name, problems in error.details.items():
            if isinstance(problems, list):
                # A field the step has no input for (a garbled `version`) is said above the form.
                shown = name if name in STEP_FIELDS else "form"
                errors.setdefault(shown, []).extend(str(problem) for problem in problems)
        errors = errors or {"form": [error.message]}
        return MoneyMoveStep(spec=spec, values=values, errors=errors)
    return MoneyMoveStep(
        spec=spec,
        values=values,
        text=text,
        button=money_move_button_label(order, transition, values["amount"]),
        confirmed=data.get("confirmed") == "1",
    )


def money_move_describe(order: Order, transition: str, amount: Decimal | None = None) -> str:
    """Return the sentence stating what `transition` would do to `order`'s money.

    A refund needs the `amount` a person typed (the field starts empty: staff
    say how much, nothing refunds everything by default); it is checked as the
    service will check it (the currency's minor units, more than 0, at most
    what is refundable), raising `OrderValidationError` naming `amount`.
    """
    if transition == "refund_payment":
        if amount is None:
            raise OrderValidationError(
                _("Enter the amount to refund."),
                details={"amount": [_("Enter the amount to refund.")]},
            )
        return refund_sentence(order, refund_amount_validate(order, amount))
    if transition == "void_payment":
        return _void_sentence(order)
    if transition == "cancel":
        consequence = cancel_payment_consequence(order)
        if consequence == "refund_payment":
            money = refund_sentence(order, order.amount_refundable)
        elif consequence == "void_payment":
            money = _void_sentence(order)
        else:
            money = _("No money was taken, so none moves.")
        return _("Cancel order %(number)s.") % {"number": order.number} + " " + money
    return ""


def money_move_button_label(order: Order, transition: str, amount: str = "") -> str:
    """Return the confirm button's words: a sentence naming the act ("Yes, refund ₫60").

    `amount` is the refund typed on the page, already checked by `money_move_preview`.
    """
    if transition == "refund_payment":
        value = amount_or_none(amount)
        return _("Yes, refund %(amount)s") % {
            "amount": format_money(value if value is not None else "", order.currency)
        }
    if transition == "void_payment":
        return _("Yes, void the payment")
    if transition == "cancel":
        return _("Yes, cancel the order")
    return _("Yes, go ahead")


def refund_sentence(order: Order, amount: Decimal) -> str:
    """Say where `amount` goes and what is refunded after; `amount` is already checked."""
    values = {"amount": format_money(amount, order.currency), "number": order.number}
    if order.payment_method == PaymentMethod.CARD:
        text = _("Refund %(amount)s to the card of order %(number)s.") % values
    elif order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        text = _("Refund %(amount)s to the customer of order %(number)s (paid in cash).") % values
    else:
        text = _("Refund %(amount)s against the invoice of order %(number)s.") % values
    after = _("Of the %(paid)s paid, %(refunded)s will then be refunded.") % {
        "paid": format_money(order.amount_paid, order.currency),
        "refunded": format_money(order.amount_refunded + amount, order.currency),
    }
    return f"{text} {after}"


def _void_sentence(order: Order) -> str:
    values = {"amount": format_money(order.total, order.currency), "number": order.number}
    if order.payment_status == PaymentStatus.AUTHORIZED:
        return (
            _(
                "Void the authorization of %(amount)s on order %(number)s: "
                "the reserved money is released and never taken."
            )
            % values
        )
    return (
        _("Void the payment of order %(number)s: the %(amount)s due is never collected.") % values
    )
