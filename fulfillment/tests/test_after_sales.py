"""After-sales requests: their FSM, resolutions, and the return window."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.utils import timezone

from fulfillment.models import AfterSalesRequest, AfterSalesStatus
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_open,
    after_sales_request_resolve,
    orders_complete_after_return_window,
)
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus, PaymentStatus
from orders.roles import WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import StorefrontFactory, UserFactory, order_in_state, user_with_role
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied

pytestmark = pytest.mark.django_db


def handler(*, refund: bool = True):
    """A staff user who may handle after-sales requests (and record refunds)."""
    user = UserFactory()
    codenames = ["handle_aftersalesrequest"] + (["refund_payment_order"] if refund else [])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def open_return(order: Order, *, quantity: int = 1) -> AfterSalesRequest:
    return after_sales_request_open(
        order=order,
        kind="return",
        reason="The mug arrived cracked.",
        lines=[{"sku": "MUG-1", "quantity": quantity}],
        source="staff",
    )


def delivered_paid_order(**kwargs) -> Order:
    return order_in_state(
        OrderStatus.DELIVERED, payment_method="card", payment_status="paid", **kwargs
    )


def request_in(status: str, order: Order | None = None) -> AfterSalesRequest:
    """Open a return on `order` (a new paid delivered one by default) and move it to `status`."""
    request = open_return(order or delivered_paid_order())
    steps = {
        AfterSalesStatus.OPEN: [],
        AfterSalesStatus.APPROVED: ["approve"],
        AfterSalesStatus.REJECTED: ["reject"],
        AfterSalesStatus.ITEM_RECEIVED: ["approve", "receive_item"],
    }
    for step in steps[status]:
        request = after_sales_request_advance(request=request, transition=step, actor=None)
    assert request.status == status
    return request


def after_sales_notes(order: Order) -> list[tuple[str, bool]]:
    return list(
        OrderEvent.objects.filter(
            order=order,
            event_type=OrderEventType.AFTER_SALES_CHANGED,
            data__has_key="after_sales_status",
        )
        .order_by("id")
        .values_list("note", "customer_visible")
    )


def order_snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.payment_status,
        order.amount_refunded,
        order.version,
        OrderEvent.objects.filter(order=order).count(),
        Order.objects.count(),
    )


def test_full_walk_records_each_step_on_the_order_with_who_did_it():
    user = handler()
    order = delivered_paid_order()
    request = open_return(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.POST_DELIVERY
    version = order.version
    pk = request.pk

    request = after_sales_request_advance(
        request=request, transition="approve", actor=user, note="Photo shows the crack."
    )
    assert request.status == AfterSalesStatus.APPROVED
    request = after_sales_request_advance(request=request.pk, transition="receive_item", actor=user)
    assert request.status == AfterSalesStatus.ITEM_RECEIVED
    request = after_sales_request_resolve(
        request=request, resolution="credit", actor=user, amount=Decimal("50000")
    )

    request.refresh_from_db()
    assert request.status == AfterSalesStatus.RESOLVED
    assert request.resolution == "credit"
    assert request.credit_amount == Decimal("50000.00")
    assert after_sales_notes(order) == [
        (f"Return request #{pk} approved. Photo shows the crack.", True),
        (f"Return request #{pk} items received.", False),
        (f"Return request #{pk} resolved: store credit of ₫50,000.", True),
    ]
    events = OrderEvent.objects.filter(order=order, data__has_key="after_sales_status")
    assert {event.actor for event in events} == {user}
    order.refresh_from_db()
    assert order.version == version + 3
    # Not completed automatically: staff or the return-window task does that.
    assert order.status == OrderStatus.POST_DELIVERY


def test_rejecting_the_only_request_lets_the_order_complete():
    request = request_in(AfterSalesStatus.REJECTED)
    order = order_transition(order=request.order_id, transition="complete", actor=None)
    assert order.status == OrderStatus.COMPLETED


@pytest.mark.parametrize(
    ("status", "transition"),
    [
        (AfterSalesStatus.OPEN, "receive_item"),
        (AfterSalesStatus.OPEN, "resolve"),
        (AfterSalesStatus.APPROVED, "approve"),
        (AfterSalesStatus.APPROVED, "reject"),
        (AfterSalesStatus.APPROVED, "resolve"),
        (AfterSalesStatus.REJECTED, "approve"),
        (AfterSalesStatus.REJECTED, "receive_item"),
        (AfterSalesStatus.REJECTED, "resolve"),
        (AfterSalesStatus.ITEM_RECEIVED, "approve"),
        (AfterSalesStatus.ITEM_RECEIVED, "reject"),
        (AfterSalesStatus.ITEM_RECEIVED, "receive_item"),
    ],
)
def test_illegal_steps_are_refused_and_write_nothing(status, transition):
    request = request_in(status)
    before = order_snapshot(request.order)

    with pytest.raises(InvalidTransition) as refusal:
        if transition == "resolve":
            after_sales_request_resolve(
                request=request, resolution="credit", actor=handler(), amount=Decimal("1")
            )
        else:
            after_sales_request_advance(request=request, transition=transition, actor=handler())

    assert refusal.value.message == (
        f"Cannot {transition.replace('_', ' ')} Return request #{request.pk}: "
        f"it is {AfterSalesStatus(status).label.lower()}."
    )
    assert refusal.value.details == {"transition": transition.replace("_", " "), "status": status}
    request.refresh_from_db()
    assert request.status == status
    assert request.credit_amount is None
    assert order_snapshot(request.order) == before


def test_unknown_advance_transition_is_a_validation_error():
    request = request_in(AfterSalesStatus.OPEN)
    with pytest.raises(OrderValidationError) as refusal:
        after_sales_request_advance(request=request, transition="resolve", actor=None)
    assert refusal.value.details == {
        "transition": ["Must be one of: approve, reject, receive_item."]
    }


def test_refund_defaults_to_the_value_of_the_returned_lines_and_is_partial():
    user = handler()
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)

    request = after_sales_request_resolve(request=request, resolution="refund", actor=user)

    assert request.status == AfterSalesStatus.RESOLVED
    assert request.resolution == "refund"
    assert request.refund_amount == Decimal("120000.00")
    order = Order.objects.get(pk=request.order_id)
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == Decimal("120000.00")
    assert order.amount_refundable == Decimal("235001")
    refund = OrderEvent.objects.get(order=order, transition="refund_payment")
    assert (refund.actor, refund.data, refund.note, refund.customer_visible) == (
        user,
        {"amount": "120000.00"},
        f"Refund for Return request #{request.pk}.",
        True,
    )
    assert after_sales_notes(order)[-1] == (
        f"Return request #{request.pk} resolved: refunded ₫120,000.",
        True,
    )


def test_the_stored_history_writes_the_amount_in_the_default_language_and_keeps_it_in_data():
    from django.utils import translation

    request = request_in(AfterSalesStatus.ITEM_RECEIVED)

    with translation.override("vi"):  # a Vietnamese reader acting changes nothing stored
        after_sales_request_resolve(
            request=request, resolution="refund", actor=handler(), amount=Decimal("60")
        )

    row = OrderEvent.objects.filter(order_id=request.order_id, data__resolution="refund").get()
    assert row.note.endswith(f" request #{request.pk} resolved: refunded ₫60.")
    assert row.data["amount"] == "60.00"


def test_refund_of_everything_paid_makes_the_order_refunded():
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)

    request = after_sales_request_resolve(
        request=request, resolution="refund", actor=handler(), amount=Decimal("355001")
    )

    order = Order.objects.get(pk=request.order_id)
    assert order.payment_status == PaymentStatus.REFUNDED
    assert order.amount_refunded == Decimal("355001")
    assert request.refund_amount == Decimal("355001")


@pytest.mark.parametrize("amount", [Decimal("355002"), Decimal("0"), Decimal("-5")])
def test_refund_outside_what_is_refundable_is_refused_and_writes_nothing(amount):
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)
    before = order_snapshot(request.order)

    with pytest.raises(OrderValidationError) as refusal:
        after_sales_request_resolve(
            request=request, resolution="refund", actor=handler(), amount=amount
        )

    assert refusal.value.details == {"amount": ["Must be more than 0 and at most ₫355,001."]}
    request.refresh_from_db()
    assert (request.status, request.refund_amount) == (AfterSalesStatus.ITEM_RECEIVED, None)
    assert order_snapshot(request.order) == before


def test_refund_of_an_unpaid_cash_on_delivery_order_is_refused():
    request = request_in(
        AfterSalesStatus.ITEM_RECEIVED, order=order_in_state(OrderStatus.DELIVERED)
    )
    with pytest.raises(InvalidTransition) as refusal:
        after_sales_request_resolve(request=request, resolution="refund", actor=handler())
    assert refusal.value.details == {"payment_status": "unpaid"}
    request.refresh_from_db()
    assert request.status == AfterSalesStatus.ITEM_RECEIVED


def test_replacement_is_a_free_linked_order_already_in_processing():
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)
    original = request.order

    request = after_sales_request_resolve(
        request=request, resolution="replacement", actor=handler()
    )

    replacement = Order.objects.get(pk=request.replacement_order_id)
    assert request.status == AfterSalesStatus.RESOLVED
    assert request.resolution == "replacement"
    assert replacement.status == OrderStatus.PROCESSING
    assert replacement.external_id == f"{original.external_id}-R{request.pk}"
    assert replacement.storefront_id == original.storefront_id
    assert replacement.customer_id == original.customer_id
    assert replacement.shipping_address_id != original.shipping_address_id
    assert replacement.shipping_address.line1 == "12 Lê Lợi"
    assert list(replacement.lines.values_list("sku", "quantity", "unit_price")) == [
        ("MUG-1", 1, Decimal("0.00"))
    ]
    assert (replacement.total, replacement.payment_method, replacement.payment_status) == (
        Decimal("0.00"),
        "card",
        PaymentStatus.PAID,
    )
    confirm = OrderEvent.objects.get(order=replacement, transition="confirm")
    assert confirm.note == (
        f"Replacement for order {original.number} (Return request #{request.pk}); no charge."
    )
    assert replacement.replaces_request == request
    assert after_sales_notes(original)[-1] == (
        f"Return request #{request.pk} resolved: replacement order {replacement.number} sent.",
        True,
    )


def test_credit_needs_an_amount_above_zero():
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)
    with pytest.raises(OrderValidationError) as refusal:
        after_sales_request_resolve(request=request, resolution="credit", actor=handler())
    assert refusal.value.details == {"amount": ["Must be above 0."]}

    request = after_sales_request_resolve(
        request=request, resolution="credit", actor=handler(), amount="75001"
    )
    request.refresh_from_db()
    assert (request.credit_amount, request.refund_amount, request.replacement_order_id) == (
        Decimal("75001"),
        None,
        None,
    )


def test_complete_is_refused_while_a_request_is_open_and_allowed_once_all_are_settled():
    order = delivered_paid_order()
    first = request_in(AfterSalesStatus.ITEM_RECEIVED, order=order)
    second = open_return(order)

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="complete", actor=None)
    assert refusal.value.message == (
        f"Cannot complete order {order.number}: "
        f"These after-sales requests are still open: #{first.pk}, #{second.pk}."
    )

    after_sales_request_resolve(
        request=first, resolution="credit", actor=None, amount=Decimal("10000")
    )
    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="complete", actor=None)
    assert refusal.value.message.endswith(f"still open: #{second.pk}.")

    after_sales_request_advance(request=second, transition="reject", actor=None)
    order = order_transition(order=order, transition="complete", actor=None)
    assert order.status == OrderStatus.COMPLETED


def _delivered_days_ago(order: Order, days: float, now) -> Order:
    Order.objects.filter(pk=order.pk).update(delivered_at=now - timedelta(days=days))
    return order


def test_return_window_task_completes_only_orders_past_their_storefronts_window():
    now = timezone.now()
    shop = StorefrontFactory()  # default window: 30 days
    quick_shop = StorefrontFactory(return_window_days=7)
    past = _delivered_days_ago(order_in_state(OrderStatus.DELIVERED, storefront=shop), 31, now)
    inside = _delivered_days_ago(order_in_state(OrderStatus.DELIVERED, storefront=shop), 29, now)
    with_open = order_in_state(OrderStatus.DELIVERED, storefront=shop)
    open_return(with_open)
    _delivered_days_ago(with_open, 40, now)
    settled = order_in_state(OrderStatus.DELIVERED, storefront=shop)
    request_in(AfterSalesStatus.REJECTED, order=settled)
    _delivered_days_ago(settled, 40, now)
    quick_past = _delivered_days_ago(
        order_in_state(OrderStatus.DELIVERED, storefront=quick_shop), 8, now
    )
    quick_inside = _delivered_days_ago(
        order_in_state(OrderStatus.DELIVERED, storefront=quick_shop), 6, now
    )

    assert orders_complete_after_return_window(now=now) == 3

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert {
        name: statuses[order.pk]
        for name, order in {
            "past": past,
            "inside": inside,
            "with_open": with_open,
            "settled": settled,
            "quick_past": quick_past,
            "quick_inside": quick_inside,
        }.items()
    } == {
        "past": OrderStatus.COMPLETED,
        "inside": OrderStatus.DELIVERED,
        "with_open": OrderStatus.POST_DELIVERY,
        "settled": OrderStatus.COMPLETED,
        "quick_past": OrderStatus.COMPLETED,
        "quick_inside": OrderStatus.DELIVERED,
    }
    completion = OrderEvent.objects.get(order=past, transition="complete")
    assert (completion.actor, completion.note) == (None, "Return window over; nothing open.")
    assert orders_complete_after_return_window(now=now) == 0


@pytest.mark.parametrize(
    "make_actor",
    [AnonymousUser, UserFactory, lambda: user_with_role(WAREHOUSE)],
    ids=["anonymous", "staff", "customer_care"],
)
def test_a_user_without_the_handle_permission_is_refused_and_nothing_is_written(make_actor):
    actor = make_actor()
    request = request_in(AfterSalesStatus.APPROVED)
    before = order_snapshot(request.order)

    with pytest.raises(TransitionPermissionDenied) as refusal:
        after_sales_request_advance(request=request, transition="receive_item", actor=actor)
    assert refusal.value.details == {"permission": "fulfillment.handle_aftersalesrequest"}
    with pytest.raises(TransitionPermissionDenied):
        after_sales_request_resolve(
            request=request, resolution="credit", actor=actor, amount=Decimal("1")
        )

    request.refresh_from_db()
    assert request.status == AfterSalesStatus.APPROVED
    assert order_snapshot(request.order) == before


def test_refunding_needs_the_refund_permission_too():
    request = request_in(AfterSalesStatus.ITEM_RECEIVED)
    before = order_snapshot(request.order)

    with pytest.raises(TransitionPermissionDenied) as refusal:
        after_sales_request_resolve(
            request=request, resolution="refund", actor=handler(refund=False)
        )

    assert refusal.value.details == {"transition": "refund_payment"}
    request.refresh_from_db()
    assert (request.status, request.refund_amount) == (AfterSalesStatus.ITEM_RECEIVED, None)
    assert order_snapshot(request.order) == before


@pytest.mark.parametrize("amount", ["1e15", "999999999999999"])
def test_an_amount_too_large_for_the_books_is_a_validation_error(amount):
    user = handler()
    request = open_return(delivered_paid_order())
    request = after_sales_request_advance(request=request, transition="approve", actor=user)

    with pytest.raises(OrderValidationError, match="too large"):
        after_sales_request_resolve(request=request, resolution="credit", actor=user, amount=amount)

    request.refresh_from_db()
    assert request.status == AfterSalesStatus.APPROVED
    assert request.credit_amount is None
