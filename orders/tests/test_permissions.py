"""Who may run which transition: the role matrix, enforced by the service."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from fulfillment.services import after_sales_request_open
from orders.bulk import bulk_job_start
from orders.models import BulkJob, HoldReason, Order, OrderStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, ROLE_TRANSITION_PERMISSIONS, WAREHOUSE
from orders.selectors import order_available_transitions
from orders.services import TRANSITIONS, order_transition
from shared.errors import InvalidTransition, TransitionPermissionDenied

from .factories import (
    UserFactory,
    order_in_state,
    order_new,
    transition_prepare,
    user_with_role,
)

# A state where each transition is legal, and the arguments it needs.
SETUP = {
    "confirm": (OrderStatus.RECEIVED, {}),
    "start_picking": (OrderStatus.PROCESSING, {}),
    "start_packing": (OrderStatus.PICKING, {}),
    "mark_ready_to_ship": (OrderStatus.PACKING, {}),
    "ship": (OrderStatus.READY_TO_SHIP, {}),
    "deliver": (OrderStatus.SHIPPED, {}),
    "open_after_sales": (OrderStatus.DELIVERED, {}),
    "complete": (OrderStatus.DELIVERED, {}),
    "cancel": (OrderStatus.PROCESSING, {"reason": "customer asked"}),
    "hold": (OrderStatus.PACKING, {"reason": "stock_shortage"}),
    "release": (OrderStatus.ON_HOLD, {}),
    "authorize_payment": (OrderStatus.RECEIVED, {}),
    "capture_payment": (OrderStatus.DELIVERED, {}),
    "refund_payment": (OrderStatus.COMPLETED, {}),
    "void_payment": (OrderStatus.RECEIVED, {}),
}

# What the issues ask of each role, written out independently of orders.roles
# (with SETUP's arguments: the warehouse holds for a stock shortage, see below).
EXPECTED = {
    MANAGER: set(TRANSITIONS),
    WAREHOUSE: {"start_picking", "start_packing", "mark_ready_to_ship", "ship", "hold"},
    CUSTOMER_CARE: {"hold", "release", "cancel", "open_after_sales", "complete"},
    FINANCE: {"authorize_payment", "capture_payment", "refund_payment", "void_payment"},
}
# The warehouse's hold is the narrower permission: stock or address problems only.
EXPECTED_PERMISSIONS = {
    role: {f"{name}_order" for name in names} for role, names in EXPECTED.items()
}
EXPECTED_PERMISSIONS[WAREHOUSE] = EXPECTED_PERMISSIONS[WAREHOUSE] - {"hold_order"} | {
    "hold_for_stock_or_address_order"
}
# Issue 17: changing orders after they are placed; the floor splits off back-orders.
EXPECTED_PERMISSIONS[MANAGER] |= {"edit_order", "split_order", "take_order"}
EXPECTED_PERMISSIONS[CUSTOMER_CARE] |= {"edit_order", "split_order", "take_order"}
EXPECTED_PERMISSIONS[WAREHOUSE] |= {"split_order"}
FLOOR_HOLD_REASONS = {"stock_shortage", "address_check"}


def test_setup_covers_every_transition():
    assert set(SETUP) == set(TRANSITIONS)


def test_role_table_matches_the_issue():
    assert {
        role: set(names) for role, names in ROLE_TRANSITION_PERMISSIONS.items()
    } == EXPECTED_PERMISSIONS


@pytest.mark.django_db
@pytest.mark.parametrize("reason", sorted(HoldReason.values))
def test_the_warehouse_holds_only_for_a_stock_or_address_problem(reason):
    floor, care = user_with_role(WAREHOUSE), user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PICKING)
    events_before = order.events.count()

    if reason in FLOOR_HOLD_REASONS:
        held = order_transition(order=order, transition="hold", actor=floor, reason=reason)
        assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, reason)
        assert held.events.order_by("-id").first().actor == floor
        return
    with pytest.raises(TransitionPermissionDenied) as refusal:
        order_transition(order=order, transition="hold", actor=floor, reason=reason)
    assert refusal.value.message == (
        "Put on hold: you may give only these reasons: stock_shortage, address_check."
    )
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (OrderStatus.PICKING, order.version)
    assert order.events.count() == events_before
    # Customer care keeps every other reason.
    held = order_transition(order=order, transition="hold", actor=care, reason=reason)
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, reason)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "reasons"),
    [
        (WAREHOUSE, ["stock_shortage", "address_check"]),
        (CUSTOMER_CARE, list(HoldReason.values)),
        (MANAGER, list(HoldReason.values)),
        (FINANCE, []),
    ],
)
def test_each_role_is_offered_the_hold_reasons_it_may_give(role, reasons):
    user = user_with_role(role)

    offered = [value for value, _label in TRANSITIONS["hold"].reason_choices_for(user)]

    assert offered == reasons
    assert TRANSITIONS["hold"].permitted(user) is bool(reasons)


def run(order: Order, transition: str, actor, **kwargs) -> Order:
    """Run `transition` as the faces do: an owned one only through the service that owns it."""
    if transition == "open_after_sales":
        after_sales_request_open(
            order=order, kind="complaint", reason="Scratched", lines=[], source="staff", actor=actor
        )
        return Order.objects.get(pk=order.pk)
    return order_transition(order=order, transition=transition, actor=actor, **kwargs)


def order_ready_for(transition: str) -> Order:
    state, _ = SETUP[transition]
    order = transition_prepare(order_in_state(state), transition)
    if transition == "refund_payment":
        order = order_transition(order=order, transition="capture_payment", actor=None)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("transition", list(SETUP))
def test_role_may_run_exactly_its_transitions(role, transition):
    user = user_with_role(role)
    order = order_ready_for(transition)
    before = Order.objects.get(pk=order.pk)
    events_before = order.events.count()
    _, kwargs = SETUP[transition]

    if transition in EXPECTED[role]:
        order = run(order, transition, user, **kwargs)
        assert order.events.count() > events_before
        assert order.events.order_by("-id").first().actor == user
    else:
        with pytest.raises(TransitionPermissionDenied):
            run(order, transition, user, **kwargs)
        after = Order.objects.get(pk=order.pk)
        assert (after.status, after.payment_status, after.version) == (
            before.status,
            before.payment_status,
            before.version,
        )
        assert order.events.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("transition", list(SETUP))
def test_anonymous_and_staff_without_role_are_refused_everything(transition):
    order = order_ready_for(transition)
    _, kwargs = SETUP[transition]

    for actor in (AnonymousUser(), UserFactory()):
        with pytest.raises(TransitionPermissionDenied):
            run(order, transition, actor, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("actor", [None, "manager"])
def test_the_bare_open_after_sales_transition_is_refused_even_to_the_system_and_managers(actor):
    order = order_in_state(OrderStatus.DELIVERED)
    user = user_with_role(MANAGER) if actor else None
    events_before = order.events.count()

    with pytest.raises(InvalidTransition) as refused:
        order_transition(order=order, transition="open_after_sales", actor=user)

    assert refused.value.details == {
        "transition": "open_after_sales",
        "use": "after_sales_request_open",
    }
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (OrderStatus.DELIVERED, order.version)
    assert order.events.count() == events_before
    assert "open_after_sales" not in [
        spec.name for spec in order_available_transitions(order=after, user=user_with_role(MANAGER))
    ]


@pytest.mark.django_db
def test_a_single_granted_permission_allows_just_that_transition():
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="confirm_order"))
    order = order_new()

    with pytest.raises(TransitionPermissionDenied):
        order_transition(order=order, transition="void_payment", actor=user)
    order = order_transition(order=order, transition="confirm", actor=user)

    assert order.status == OrderStatus.PROCESSING


@pytest.mark.django_db
def test_inactive_user_keeps_no_permissions():
    user = user_with_role(MANAGER, is_active=False)
    order = order_new()

    with pytest.raises(TransitionPermissionDenied):
        order_transition(order=order, transition="confirm", actor=user)


PAYMENT_ON_UNPAID = ["authorize_payment", "capture_payment", "void_payment"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (MANAGER, ["start_picking", "cancel", "hold", *PAYMENT_ON_UNPAID]),
        (WAREHOUSE, ["start_picking", "hold"]),
        (CUSTOMER_CARE, ["cancel", "hold"]),
        (FINANCE, PAYMENT_ON_UNPAID),
    ],
)
def test_available_transitions_are_those_of_state_conditions_and_role(role, expected):
    order = order_in_state(OrderStatus.PROCESSING)  # cash on delivery, unpaid
    user = user_with_role(role)

    names = [spec.name for spec in order_available_transitions(order=order, user=user)]

    assert names == expected


@pytest.mark.django_db
def test_available_transitions_hide_confirm_while_its_condition_fails():
    order = order_new(payment_method="card")
    manager = user_with_role(MANAGER)

    names = [spec.name for spec in order_available_transitions(order=order, user=manager)]

    assert "confirm" not in names
    assert names == ["cancel", "authorize_payment", "capture_payment", "void_payment"]


@pytest.mark.django_db
def test_a_bulk_hold_by_the_warehouse_takes_only_a_stock_or_address_reason():
    floor = user_with_role(WAREHOUSE)
    order = order_in_state(OrderStatus.PICKING)

    with pytest.raises(TransitionPermissionDenied):
        bulk_job_start(
            user=floor, numbers=[order.number], transition="hold", reason="customer_request"
        )
    assert not BulkJob.objects.exists()
    job = bulk_job_start(
        user=floor, numbers=[order.number], transition="hold", reason="address_check"
    )
    assert job.reason == "address_check"


@pytest.mark.django_db
def test_the_bulk_preview_offers_the_warehouse_only_its_hold_reasons(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PICKING)

    page = client.post("/dashboard/bulk/", {"orders": [order.number], "transition": "hold"})

    reasons = re.findall(r'<option value="([a-z_]+)"', page.content.decode())
    assert reasons == ["stock_shortage", "address_check"]
