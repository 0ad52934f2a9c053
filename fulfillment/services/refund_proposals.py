"""Refunds customer care proposes and finance (or a manager) approves.

Care resolves returns but does not move money: when a request's goods are
back, care proposes an amount; it waits in the "refunds to approve" queue
until someone with the refund permission (`orders.refund_payment_order`:
Finance, Manager) approves it, which refunds through the order's
`refund_payment` transition as that person (ledger entries and the customer's
"refund issued" e-mail follow from the order's event seam) and resolves the
request, or rejects it with a reason, which leaves the request for care to
resolve another way or to propose again.

Each step locks the order, then the request (orders.locking), then the
proposal, as every other order change does.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from orders.models import Order, PaymentStatus
from orders.services import refund_amount_validate
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import InvalidTransition, OrderValidationError, StaleOrderVersion
from shared.money import amount_in_minor_units, format_money_stored

from ..models import AfterSalesRequest, AfterSalesResolution, RefundProposal, RefundProposalStatus
from .after_sales import (
    HANDLE_PERMISSION,
    after_sales_note,
    after_sales_request_label,
    after_sales_request_lock,
    after_sales_request_settle,
)

# Approving moves money: the same permission as refunding an order by hand.
APPROVE_PERMISSION = "orders.refund_payment_order"


def refund_proposal_create(
    *,
    request: AfterSalesRequest | int,
    amount: Decimal | str | None,
    actor: Actor,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> RefundProposal:
    """Propose refunding `amount` for a request whose goods are back; it waits for approval.

    Refused: without the request-handling permission (403); a request that is
    not waiting to be resolved, or already has a proposal waiting, or an order
    with no paid money to give back (409); an amount that is not more than 0,
    more precise than the currency's minor units or more than is refundable (400).
    """
    permission_require(actor, HANDLE_PERMISSION, "handle after-sales requests")
    note = (note or "").strip()
    with transaction.atomic():
        order, locked = after_sales_request_lock(
            request, actor=actor, expected_updated_at=expected_updated_at
        )
        label = after_sales_request_label(locked)
        if not can_proceed(locked.resolve):
            raise InvalidTransition(
                f"Cannot propose a refund for {label}: it is "
                f"{locked.get_status_display().lower()}; its goods must be received first.",
                details={"transition": "propose_refund", "status": locked.status},
            )
        if locked.refund_proposals.filter(status=RefundProposalStatus.PENDING).exists():
            raise InvalidTransition(
                f"{label} already has a refund proposal waiting for approval.",
                details={"transition": "propose_refund", "refund_proposal": "pending"},
            )
        amount = refund_amount_check(order, amount)
        proposal = RefundProposal.objects.create(
            request=locked,
            amount=amount,
            currency=order.currency,
            note=note,
            proposed_by=actor_or_none(actor),
        )
        # Internal: the customer hears when the money moves, not about a proposal.
        after_sales_note(
            order_pk=order.pk,
            request=locked,
            actor=actor,
            note=f"{label}: refund of {format_money_stored(amount, order.currency)} proposed, "
            "waiting for approval." + (f" {note}" if note else ""),
            customer_visible=False,
            data={"refund_proposal": proposal.pk, "amount": str(amount)},
        )
        # The request's page shows the proposal: its version moves on.
        AfterSalesRequest.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return proposal


def refund_proposal_waiting(request: AfterSalesRequest) -> RefundProposal | None:
    """Return the request's proposal waiting for approval, or None."""
    return request.refund_proposals.filter(status=RefundProposalStatus.PENDING).first()


def refund_amount_check(order: Order, amount: Decimal | str | None) -> Decimal:
    """Return `amount` if the order can give it back now; refuse it otherwise (400 or 409)."""
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise InvalidTransition(
            f"Order {order.number} has payment status '{order.payment_status}'; "
            "only paid money can be refunded.",
            details={"payment_status": order.payment_status},
        )
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise OrderValidationError(
            "Say how much to refund.", details={"amount": ["This field is required."]}
        )
    # The order's one rule for a refund's size and precision (and its words: "at most ₫210").
    return refund_amount_validate(order, amount_in_minor_units(amount, order.currency))


def _proposal_lock(
    proposal: RefundProposal | int, *, actor: Actor, expected_updated_at: datetime | None
) -> tuple[Order, AfterSalesRequest, RefundProposal]:
    """Lock the order, the request, then the proposal; refuse one already decided (409)."""
    proposal_pk = proposal.pk if isinstance(proposal, RefundProposal) else proposal
    request_pk = (
        RefundProposal.objects.filter(pk=proposal_pk).values_list("request_id", flat=True).first()
    )
    if request_pk is None:
        raise OrderValidationError(
            f"Refund proposal {proposal_pk} does not exist.",
            details={"refund_proposal": ["Unknown refund proposal."]},
        )
    order, request = after_sales_request_lock(request_pk, actor=actor)
    locked = RefundProposal.objects.select_for_update().get(pk=proposal_pk)
    if expected_updated_at is not None and locked.updated_at != expected_updated_at:
        raise StaleOrderVersion(
            f"Refund proposal #{locked.pk} has changed since you loaded it. Reload and try again.",
            details={"status": locked.status, "updated_at": locked.updated_at.isoformat()},
        )
    if locked.status != RefundProposalStatus.PENDING:
        raise InvalidTransition(
            f"Refund proposal #{locked.pk} is already {locked.get_status_display().lower()}.",
            details={"status": locked.status},
        )
    return order, request, locked


def refund_proposal_approve(
    *,
    proposal: RefundProposal | int,
    actor: Actor,
    expected_updated_at: datetime | None = None,
) -> RefundProposal:
    """Refund the proposed amount as `actor` and resolve the request with it.

    Needs the refund permission (403). The refund runs through the order's
    `refund_payment` transition, so the payment status, the ledger and the
    customer's e-mail follow from it; the order's refundable amount is checked
    again now (it may have changed since the proposal).
    """
    permission_require(actor, APPROVE_PERMISSION, "approve refunds")
    with transaction.atomic():
        order, request, locked = _proposal_lock(
            proposal, actor=actor, expected_updated_at=expected_updated_at
        )
        amount = refund_amount_check(order, locked.amount)
        after_sales_request_settle(
            order,
            request,
            resolution=AfterSalesResolution.REFUND,
            amount=amount,
            actor=actor,
            note=f"Refund proposal #{locked.pk} approved.",
        )
        locked.status = RefundProposalStatus.APPROVED
        locked.decided_by = actor_or_none(actor)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return locked


def refund_proposal_reject(
    *,
    proposal: RefundProposal | int,
    actor: Actor,
    reason: str,
    expected_updated_at: datetime | None = None,
) -> RefundProposal:
    """Turn the proposal down with a reason; the request waits for care again. Nothing is paid."""
    permission_require(actor, APPROVE_PERMISSION, "approve refunds")
    reason = (reason or "").strip()
    if not reason:
        raise OrderValidationError(
            "Say why the refund is rejected.", details={"reason": ["This field is required."]}
        )
    with transaction.atomic():
        order, request, locked = _proposal_lock(
            proposal, actor=actor, expected_updated_at=expected_updated_at
        )
        locked.status = RefundProposalStatus.REJECTED
        locked.decided_by = actor_or_none(actor)
        locked.decided_at = timezone.now()
        locked.rejection_reason = reason
        locked.save(
            update_fields=["status", "decided_by", "decided_at", "rejection_reason", "updated_at"]
        )
        after_sales_note(
            order_pk=order.pk,
            request=request,
            actor=actor,
            note=f"{after_sales_request_label(request)}: refund of "
            f"{format_money_stored(locked.amount, locked.currency)} rejected. {reason}",
            customer_visible=False,
            data={"refund_proposal": locked.pk},
        )
        AfterSalesRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now())
    return locked
