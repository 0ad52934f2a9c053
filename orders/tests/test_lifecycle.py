"""The order state machines: the graph of DESIGN.md, transition for transition."""

from decimal import Decimal

import pytest
from django_fsm import RETURN_VALUE

from fulfillment.services.after_sales import after_sales_request_advance
from orders.models import (
    HOLDABLE_STATUSES,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    PaymentStatus,
)
from orders.roles import CUSTOMER_CARE
from orders.services import TRANSITIONS, order_transition
from shared.errors import InvalidTransition, OrderValidationError

from .factories import order_in_state, order_new, transition_prepare, user_with_role

S = OrderStatus
HOLDABLE = {S.PROCESSING, S.PICKING, S.PACKING, S.READY_TO_SHIP, S.SHIPPED}
CANCELLABLE = {S.RECEIVED, S.PROCESSING, S.PICKING, S.PACKING, S.READY_TO_SHIP, S.ON_HOLD}

# DESIGN.md's lifecycle, written out by hand: (transition, source) -> possible targets.
DESIGN_STATUS_GRAPH = {
    ("confirm", S.RECEIVED): {S.PROCESSING},
    ("start_picking", S.PROCESSING): {S.PICKING},
    ("start_packing", S.PICKING): {S.PACKING},
    ("mark_ready_to_ship", S.PACKING): {S.READY_TO_SHIP},
    ("ship", S.READY_TO_SHIP): {S.SHIPPED},
    ("deliver", S.SHIPPED): {S.DELIVERED},
    ("open_after_sales", S.DELIVERED): {S.POST_DELIVERY},
    ("complete", S.POST_DELIVERY): {S.COMPLETED},
    ("complete", S.DELIVERED): {S.COMPLETED},
    **{("cancel", source): {S.CANCELLED} for source in CANCELLABLE},
    **{("hold", source): {S.ON_HOLD} for source in HOLDABLE},
    ("release", S.ON_HOLD): HOLDABLE,
}

P = PaymentStatus
DESIGN_PAYMENT_GRAPH = {
    ("authorize_payment", P.UNPAID): {P.AUTHORIZED},
    ("capture_payment", P.UNPAID): {P.PAID},
    ("capture_payment", P.AUTHORIZED): {P.PAID},
    # The balance an edit left due on a paid order (see test_edits_money).
    ("capture_payment", P.PAID): {P.PAID},
    ("capture_payment", P.PARTIALLY_REFUNDED): {P.PARTIALLY_REFUNDED},
    ("refund_payment", P.PAID): {P.PARTIALLY_REFUNDED, P.REFUNDED},
    ("refund_payment", P.PARTIALLY_REFUNDED): {P.PARTIALLY_REFUNDED, P.REFUNDED},
    ("void_payment", P.UNPAID): {P.VOIDED},
    ("void_payment", P.AUTHORIZED): {P.VOIDED},
}

STATUS_TRANSITIONS = sorted({name for name, _ in DESIGN_STATUS_GRAPH})


def fsm_graph(field_name: str) -> dict[tuple[str, str], set[str]]:
    field = Order._meta.get_field(field_name)
    graph = {}
    for transition in field.get_all_transitions(Order):
        target = transition.target
        targets = set(target.allowed_states) if isinstance(target, RETURN_VALUE) else {target}
        graph[(transition.name, transition.source)] = targets
    return graph


def test_status_graph_read_from_django_fsm_equals_design():
    assert fsm_graph("status") == DESIGN_STATUS_GRAPH


def test_payment_graph_read_from_django_fsm_equals_design():
    assert fsm_graph("payment_status") == DESIGN_PAYMENT_GRAPH


def test_every_transition_carries_its_own_permission():
    for field_name in ("status", "payment_status"):
        for transition in Order._meta.get_field(field_name).get_all_transitions(Order):
            assert transition.permission == f"orders.{transition.name}_order"


@pytest.mark.django_db
def test_status_cannot_be_assigned_directly():
    order = order_new()
    with pytest.raises(AttributeError):
        order.status = S.SHIPPED
    with pytest.raises(AttributeError):
        order.payment_status = P.PAID


REASONS = {"cancel": "customer asked", "hold": "stock_shortage"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("transition", "source"),
    [key for key in DESIGN_STATUS_GRAPH if key[0] != "release"],
)
def test_allowed_transition_moves_order_and_writes_one_event(transition, source):
    order = transition_prepare(order_in_state(source), transition)
    for request in order.after_sales_requests.all():
        # The request that moved it to post_delivery is settled: nothing keeps `complete` back.
        after_sales_request_advance(request=request, transition="reject", actor=None)
    events_before = order.events.count()

    order = order_transition(
        order=order,
        transition=transition,
        actor=None,
        reason=REASONS.get(transition, ""),
        # The graph is the model's; an owned transition runs as its owner runs it.
        owner=TRANSITIONS[transition].owner,
    )

    (target,) = DESIGN_STATUS_GRAPH[(transition, source)]
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == target
    assert stored.version == order.version
    assert order.events.count() == events_before + 1
    event = order.events.order_by("-id").first()
    assert (event.transition, event.from_status, event.to_status) == (transition, source, target)


@pytest.mark.django_db
@pytest.mark.parametrize("held_from", HOLDABLE_STATUSES)
def test_release_returns_to_the_state_the_order_was_held_from(held_from):
    order = order_in_state(held_from)
    order = order_transition(order=order, transition="hold", actor=None, reason="address_check")
    assert (order.status, order.held_from_status, order.hold_reason) == (
        S.ON_HOLD,
        held_from,
        "address_check",
    )

    order = order_transition(order=order, transition="release", actor=None)

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.held_from_status, stored.hold_reason) == (held_from, "", "")
    event = stored.events.order_by("-id").first()
    assert (event.transition, event.from_status, event.to_status) == (
        "release",
        S.ON_HOLD,
        held_from,
    )


REFUSED = [
    (transition, source)
    for transition in STATUS_TRANSITIONS
    for source in S.values
    if (transition, source) not in DESIGN_STATUS_GRAPH
]


@pytest.mark.django_db
@pytest.mark.parametrize(("transition", "source"), REFUSED)
def test_every_other_transition_is_refused_and_writes_nothing(transition, source):
    order = order_in_state(source)
    before = Order.objects.get(pk=order.pk)
    events_before = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(
            order=order, transition=transition, actor=None, reason=REASONS.get(transition, "")
        )

    assert refusal.value.code == "invalid_transition"
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (before.status, before.version)
    assert OrderEvent.objects.filter(order=order).count() == events_before


@pytest.mark.django_db
def test_confirm_refuses_unpaid_card_order_with_a_reason_the_user_can_act_on():
    order = order_new(payment_method="card")

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="confirm", actor=None)

    assert "Payment must be authorized or paid" in refusal.value.message
    assert Order.objects.get(pk=order.pk).status == S.RECEIVED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payment_method", "payment_status"),
    [("card", "authorized"), ("card", "paid"), ("cod", "unpaid"), ("invoice", "unpaid")],
)
def test_confirm_accepts_secured_or_deferred_payment(payment_method, payment_status):
    order = order_new(payment_method=payment_method, payment_status=payment_status)

    order = order_transition(order=order, transition="confirm", actor=None)

    assert order.status == S.PROCESSING
    assert order.confirmed_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("transition", ["cancel", "hold"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_and_hold_need_a_reason(transition, reason):
    order = order_in_state(S.PROCESSING)

    with pytest.raises(OrderValidationError) as refusal:
        order_transition(order=order, transition=transition, actor=None, reason=reason)

    assert refusal.value.details == {"reason": ["This field is required."]}
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING


@pytest.mark.django_db
def test_hold_refuses_a_reason_outside_the_known_list():
    order = order_in_state(S.PROCESSING)

    with pytest.raises(OrderValidationError) as refusal:
        order_transition(order=order, transition="hold", actor=None, reason="bored")

    assert "reason" in refusal.value.details
    assert Order.objects.get(pk=order.pk).status == S.PROCESSING


@pytest.mark.django_db
def test_cancelling_a_paid_order_refunds_it_in_the_same_change():
    order = order_new(payment_method="card", payment_status="paid")
    assert order.amount_paid == order.total == Decimal("355001")

    order = order_transition(order=order, transition="cancel", actor=None, reason="fraud check")

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.payment_status) == (S.CANCELLED, P.REFUNDED)
    assert stored.amount_refunded == Decimal("355001")
    assert stored.cancel_reason == "fraud check"
    assert list(stored.events.values_list("transition", "to_status").order_by("id"))[-2:] == [
        ("cancel", S.CANCELLED),
        ("refund_payment", P.REFUNDED),
    ]


@pytest.mark.django_db
def test_automatic_refund_is_the_systems_doing_not_the_cancelling_users():
    care = user_with_role(CUSTOMER_CARE)
    order = order_new(payment_method="card", payment_status="paid")

    order = order_transition(order=order, transition="cancel", actor=care, reason="out of stock")

    cancel_event, refund_event = order.events.order_by("-id")[:2][::-1]
    assert (cancel_event.transition, cancel_event.actor) == ("cancel", care)
    assert (refund_event.transition, refund_event.actor) == ("refund_payment", None)
    assert refund_event.data == {"amount": "355001.00", "caused_by": "cancel"}
    assert order.version == 2  # one change (cancel with its refund) after creation at 1


@pytest.mark.django_db
def test_cancelling_a_paid_free_order_records_no_empty_refund():
    order = order_new(
        payment_method="card",
        payment_status="paid",
        lines=[{"sku": "GIFT", "name": "Gift", "quantity": 1, "unit_price": "0"}],
        shipping_price=Decimal("0"),
    )

    order = order_transition(order=order, transition="cancel", actor=None, reason="no stock")

    assert (order.status, order.payment_status) == (S.CANCELLED, P.PAID)
    assert order.events.filter(transition="refund_payment").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payment_method", "transition"),
    [("cod", "capture_payment"), ("card", "authorize_payment"), ("card", "capture_payment")],
)
def test_no_payment_is_taken_for_a_cancelled_order(payment_method, transition):
    order = order_new(payment_method=payment_method)
    order = order_transition(order=order, transition="cancel", actor=None, reason="duplicate")

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition=transition, actor=None)

    assert "cancelled" in refusal.value.message
    assert Order.objects.get(pk=order.pk).payment_status == P.UNPAID


@pytest.mark.django_db
def test_cancelling_an_authorized_order_voids_the_authorization():
    order = order_new(payment_method="card", payment_status="authorized")

    order = order_transition(order=order, transition="cancel", actor=None, reason="no stock")

    assert (order.status, order.payment_status) == (S.CANCELLED, P.VOIDED)


@pytest.mark.django_db
def test_cancelling_an_unpaid_cod_order_leaves_payment_alone():
    order = order_new(payment_method="cod")

    order = order_transition(order=order, transition="cancel", actor=None, reason="duplicate")

    assert (order.status, order.payment_status) == (S.CANCELLED, P.UNPAID)
    assert order.events.filter(event_type=OrderEventType.PAYMENT_CHANGED).count() == 0


@pytest.mark.django_db
def test_partial_then_full_refund():
    order = order_new(payment_method="card", payment_status="paid")

    order = order_transition(
        order=order, transition="refund_payment", actor=None, amount=Decimal("100000.00")
    )
    assert (order.payment_status, order.amount_refunded) == (
        P.PARTIALLY_REFUNDED,
        Decimal("100000.00"),
    )

    order = order_transition(order=order, transition="refund_payment", actor=None)
    assert (order.payment_status, order.amount_refunded) == (P.REFUNDED, Decimal("355001"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount",
    [Decimal("0"), Decimal("-5"), Decimal("355000.51"), Decimal("NaN"), Decimal("Infinity")],
)
def test_refund_outside_what_was_paid_is_refused(amount):
    order = order_new(payment_method="card", payment_status="paid")

    with pytest.raises(OrderValidationError):
        order_transition(order=order, transition="refund_payment", actor=None, amount=amount)

    stored = Order.objects.get(pk=order.pk)
    assert (stored.payment_status, stored.amount_refunded) == (P.PAID, Decimal("0.00"))


@pytest.mark.django_db
def test_cod_order_is_captured_at_delivery():
    order = order_in_state(S.DELIVERED, payment_method="cod")

    order = order_transition(order=order, transition="capture_payment", actor=None)

    assert (order.payment_status, order.amount_paid) == (P.PAID, order.total)


@pytest.mark.django_db
def test_unknown_transition_name_is_a_validation_error():
    order = order_new()

    with pytest.raises(OrderValidationError) as refusal:
        order_transition(order=order, transition="teleport", actor=None)

    assert "transition" in refusal.value.details


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payment_method", "payment_status", "money_after"),
    [("card", "paid", P.REFUNDED), ("card", "authorized", P.VOIDED), ("cod", "unpaid", P.UNPAID)],
)
def test_cancelling_a_held_order_ends_the_hold_and_settles_the_money_as_any_cancel(
    payment_method, payment_status, money_after
):
    order = order_in_state(S.PICKING, payment_method=payment_method, payment_status=payment_status)
    order = order_transition(order=order, transition="hold", actor=None, reason="stock_shortage")

    order = order_transition(order=order, transition="cancel", actor=None, reason="no restock")

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.payment_status) == (S.CANCELLED, money_after)
    assert (stored.held_from_status, stored.hold_reason, stored.cancel_reason) == (
        "",
        "",
        "no restock",
    )
    assert stored.events.filter(transition="cancel", from_status=S.ON_HOLD).count() == 1


@pytest.mark.django_db
def test_an_order_held_after_it_shipped_cannot_be_cancelled():
    order = order_in_state(S.SHIPPED)
    order = order_transition(order=order, transition="hold", actor=None, reason="delivery_failed")
    events_before = order.events.count()

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="cancel", actor=None, reason="customer asked")

    assert "held after it shipped" in refusal.value.message
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.held_from_status) == (S.ON_HOLD, S.SHIPPED)
    assert stored.events.count() == events_before
