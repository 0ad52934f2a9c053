"""What resolving an after-sales request with a refund, or approving a proposed one, will do.

The dashboard shows this sentence on a confirmation step before any money
moves, as it does for an order's own refund: it is built by
`orders.money_moves.refund_sentence` ("Refund ₫60 to the card of order OR-...
Of the ₫210 paid, ₫60 will then be refunded."), after the checks the service
makes again under the lock, so the step never promises what would be refused.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from orders.money_moves import money_move_preview, refund_sentence
from shared.actors import Actor, permission_require
from shared.money import amount_in_minor_units

from .models import AfterSalesRequest, RefundProposal
from .services.after_sales import (
    HANDLE_PERMISSION,
    after_sales_refund_check,
    after_sales_request_label,
    after_sales_request_lock,
    after_sales_resolvable_require,
)


def after_sales_refund_preview(
    *,
    request: AfterSalesRequest | int,
    amount: Decimal | None,
    actor: Actor,
    expected_updated_at: datetime | None = None,
) -> tuple[Decimal, str]:
    """Check a refund resolution as typed and return (the amount, the sentence); write nothing.

    The same checks as `after_sales_request_resolve`: who may (403), the page's
    version (412), the request's state (409), the amount (400, naming
    `amount`); no amount means the value of the request's items, as there.
    """
    permission_require(actor, HANDLE_PERMISSION, "handle after-sales requests")
    with transaction.atomic():
        order, locked = after_sales_request_lock(
            request, actor=actor, expected_updated_at=expected_updated_at
        )
        after_sales_resolvable_require(locked)
        if amount is not None:
            amount = amount_in_minor_units(amount, order.currency, field="amount")
        amount = after_sales_refund_check(order, locked, amount)
        # The refund permission and the order's own rules, as `refund_payment` will check them.
        sentence = money_move_preview(
            order,
            transition="refund_payment",
            actor=actor,
            reason="",
            amount=str(amount),
            expected_version=None,
        )
    resolved = _("%(request)s is then resolved.") % {"request": after_sales_request_label(locked)}
    return amount, f"{sentence} {resolved}"


def refund_proposal_describe(proposal: RefundProposal) -> str:
    """Say exactly what approving `proposal` does: how much, where to, which request."""
    order = proposal.request.order
    resolved = _("%(request)s is then resolved.") % {
        "request": after_sales_request_label(proposal.request)
    }
    return f"{refund_sentence(order, proposal.amount)} {resolved}"
