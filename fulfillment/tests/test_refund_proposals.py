"""Refunds care proposes and finance or a manager approves: the services and their rules."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from fulfillment.models import AfterSalesStatus, RefundProposal, RefundProposalStatus
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_open,
    after_sales_request_resolve,
)
from fulfillment.services.refund_proposals import (
    refund_proposal_approve,
    refund_proposal_create,
    refund_proposal_reject,
)
from orders.models import Order, OrderEvent, OrderStatus, PaymentStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import StorefrontFactory, UserFactory, order_in_state, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied

pytestmark = pytest.mark.django_db


def goods_back(currency: str = "VND", payment_method: str = "card"):
    storefront = StorefrontFactory(currency=currency) if currency != "VND" else None
    kwargs = {"storefront": storefront} if storefront else {}
    paid = "paid" if payment_method == "card" else "unpaid"
    order = order_in_state(
        OrderStatus.DELIVERED, payment_method=payment_method, payment_status=paid, **kwargs
    )
    request = after_sales_request_open(
        order=order,
        kind="return",
        reason="Cracked",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="customer",
    )
    after_sales_request_advance(request=request, transition="approve", actor=None)
    return after_sales_request_advance(request=request, transition="receive_item", actor=None)


def state(request) -> tuple:
    order = Order.objects.get(pk=request.order_id)
    return (
        order.payment_status,
        order.amount_refunded,
        order.version,
        type(request).objects.get(pk=request.pk).status,
        RefundProposal.objects.filter(status=RefundProposalStatus.APPROVED).count(),
        ledger_balance(order, LedgerKind.REFUND),
    )


@pytest.mark.parametrize(
    ("role", "may_propose"),
    [(CUSTOMER_CARE, True), (MANAGER, True), (FINANCE, False), (WAREHOUSE, False), (None, False)],
)
def test_who_may_propose(role, may_propose):
    request = goods_back()
    actor = user_with_role(role) if role else UserFactory()

    if may_propose:
        proposal = refund_proposal_create(request=request, amount=Decimal("1000"), actor=actor)
        assert (proposal.status, proposal.proposed_by) == (RefundProposalStatus.PENDING, actor)
    else:
        with pytest.raises(TransitionPermissionDenied):
            refund_proposal_create(request=request, amount=Decimal("1000"), actor=actor)
        assert not RefundProposal.objects.exists()


@pytest.mark.parametrize(
    ("role", "may_decide"),
    [(FINANCE, True), (MANAGER, True), (CUSTOMER_CARE, False), (WAREHOUSE, False)],
)
def test_who_may_approve_or_reject(role, may_decide):
    request = goods_back()
    proposal = refund_proposal_create(
        request=request, amount=Decimal("1000"), actor=user_with_role(CUSTOMER_CARE)
    )
    actor = user_with_role(role)
    before = state(request)

    if may_decide:
        refund_proposal_approve(proposal=proposal, actor=actor)
        assert state(request)[:2] == (PaymentStatus.PARTIALLY_REFUNDED, Decimal("1000"))
        decided = RefundProposal.objects.get(pk=proposal.pk)
        assert (decided.status, decided.decided_by) == (RefundProposalStatus.APPROVED, actor)
        assert decided.decided_at is not None
    else:
        for decide in (
            lambda: refund_proposal_approve(proposal=proposal, actor=actor),
            lambda: refund_proposal_reject(proposal=proposal, actor=actor, reason="No"),
            lambda: refund_proposal_approve(proposal=proposal, actor=AnonymousUser()),
        ):
            with pytest.raises(TransitionPermissionDenied):
                decide()
        assert state(request) == before
        assert RefundProposal.objects.get(pk=proposal.pk).status == RefundProposalStatus.PENDING


@pytest.mark.parametrize(
    ("currency", "amount"),
    [("USD", "0.005"), ("VND", "1.5"), ("VND", "0"), ("VND", "-5"), ("VND", "NaN"), ("VND", "")],
)
def test_amounts_finer_than_the_currency_or_not_positive_are_refused(currency, amount):
    request = goods_back(currency)
    before = state(request)

    with pytest.raises(OrderValidationError) as refused:
        refund_proposal_create(request=request, amount=amount, actor=None)

    assert "amount" in refused.value.details
    assert state(request) == before
    assert not RefundProposal.objects.exists()


def test_a_usd_proposal_keeps_its_cents_and_the_ledger_agrees():
    request = goods_back("USD")
    proposal = refund_proposal_create(request=request, amount="12.34", actor=None)

    refund_proposal_approve(proposal=proposal, actor=user_with_role(FINANCE))

    order = Order.objects.get(pk=request.order_id)
    assert order.amount_refunded == Decimal("12.34")
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("12.34")
    assert order.amount_paid - order.amount_refunded == order.amount_refundable


def test_more_than_refundable_is_refused_and_an_unpaid_order_has_nothing_to_propose():
    request = goods_back()
    with pytest.raises(OrderValidationError):
        refund_proposal_create(request=request, amount="999999999", actor=None)
    unpaid = goods_back(payment_method="invoice")
    with pytest.raises(InvalidTransition):
        refund_proposal_create(request=unpaid, amount="1000", actor=None)
    assert not RefundProposal.objects.exists()


def test_a_proposal_needs_the_goods_back_and_only_one_waits():
    order = order_in_state(OrderStatus.DELIVERED, payment_method="card", payment_status="paid")
    fresh_request = after_sales_request_open(
        order=order,
        kind="return",
        reason="x",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="staff",
    )
    with pytest.raises(InvalidTransition):
        refund_proposal_create(request=fresh_request, amount="1000", actor=None)

    request = goods_back()
    refund_proposal_create(request=request, amount="1000", actor=None)
    with pytest.raises(InvalidTransition):
        refund_proposal_create(request=request, amount="2000", actor=None)
    assert RefundProposal.objects.filter(request=request).count() == 1


def test_while_a_proposal_waits_the_request_is_not_resolved_another_way():
    request = goods_back()
    refund_proposal_create(request=request, amount="1000", actor=None)

    with pytest.raises(InvalidTransition):
        after_sales_request_resolve(request=request, resolution="credit", amount="1000", actor=None)

    assert type(request).objects.get(pk=request.pk).status == AfterSalesStatus.ITEM_RECEIVED


def test_approval_rechecks_what_is_refundable_now():
    request = goods_back()
    proposal = refund_proposal_create(request=request, amount="200000", actor=None)
    order = Order.objects.get(pk=request.order_id)
    order_transition(
        order=order, transition="refund_payment", actor=None, amount=order.amount_refundable - 1
    )
    before = state(request)

    with pytest.raises(OrderValidationError):
        refund_proposal_approve(proposal=proposal, actor=user_with_role(FINANCE))

    assert state(request) == before
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundProposalStatus.PENDING


def test_approval_refunds_as_the_approver_and_resolves_the_request():
    request = goods_back()
    care, finance = user_with_role(CUSTOMER_CARE), user_with_role(FINANCE)
    proposal = refund_proposal_create(request=request, amount="120000", actor=care)

    refund_proposal_approve(proposal=proposal, actor=finance)

    request = type(request).objects.get(pk=request.pk)
    assert (request.status, request.resolution, request.refund_amount) == (
        AfterSalesStatus.RESOLVED,
        "refund",
        Decimal("120000"),
    )
    refund = OrderEvent.objects.get(order_id=request.order_id, transition="refund_payment")
    assert refund.actor == finance
    # Proposal and rejection notes are internal; the resolution is what the customer sees.
    notes = list(
        OrderEvent.objects.filter(
            order_id=request.order_id, data__refund_proposal=proposal.pk
        ).values_list("customer_visible", flat=True)
    )
    assert notes == [False]


def test_rejection_needs_a_reason_and_moves_no_money():
    request = goods_back()
    proposal = refund_proposal_create(request=request, amount="1000", actor=None)
    before = state(request)

    with pytest.raises(OrderValidationError):
        refund_proposal_reject(proposal=proposal, actor=user_with_role(FINANCE), reason="  ")
    finance = user_with_role(FINANCE)
    refund_proposal_reject(proposal=proposal, actor=finance, reason="Used")

    decided = RefundProposal.objects.get(pk=proposal.pk)
    assert (decided.status, decided.rejection_reason, decided.decided_by) == (
        RefundProposalStatus.REJECTED,
        "Used",
        finance,
    )
    after = state(request)
    assert after[:2] == before[:2] and after[3:] == before[3:]
    with pytest.raises(InvalidTransition):
        refund_proposal_approve(proposal=proposal, actor=user_with_role(FINANCE))
