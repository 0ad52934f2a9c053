"""Guards other apps register on order transitions (orders.lifecycle)."""

import pytest

from orders import lifecycle
from orders.lifecycle import Guard, guard_register, transition_guards
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import TRANSITIONS, order_transition, transition_unmet_conditions
from shared.errors import InvalidTransition

from .factories import order_in_state

# Every guard on every transition, as the apps register them at start-up.
EXPECTED_GUARDS = {
    "start_packing": ["everything_picked"],
    "mark_ready_to_ship": ["everything_packed", "open_package_settled"],
    "ship": ["every_package_shipped"],
    "complete": ["after_sales_settled"],
}


@pytest.mark.parametrize("transition", sorted(TRANSITIONS))
def test_the_registry_holds_exactly_the_expected_guards(transition):
    names = [guard.name for guard in transition_guards(transition)]

    assert names == EXPECTED_GUARDS.get(transition, [])


def test_the_guards_are_fulfillments():
    guards = [guard for name in EXPECTED_GUARDS for guard in transition_guards(name)]

    assert {guard.check.__module__ for guard in guards} == {"fulfillment.guards"}


def test_only_transitions_that_consult_the_registry_take_guards():
    with pytest.raises(ValueError, match="Transition 'confirm' takes no registered guards"):
        guard_register("confirm", Guard("never", lambda order: True, lambda order: ""))

    assert sorted(lifecycle._GUARDS) == sorted(EXPECTED_GUARDS)


def test_registering_a_guard_of_the_same_name_again_replaces_it(monkeypatch):
    monkeypatch.setitem(lifecycle._GUARDS, "complete", list(lifecycle._GUARDS["complete"]))
    again = Guard("after_sales_settled", lambda order: True, lambda order: "")

    guard_register("complete", again)

    assert transition_guards("complete") == (again,)


@pytest.mark.django_db
def test_a_registered_guard_refuses_the_transition_with_its_own_words(monkeypatch):
    monkeypatch.setitem(lifecycle._GUARDS, "complete", list(lifecycle._GUARDS["complete"]))
    unsigned = Guard("signed_off", lambda order: False, lambda order: f"{order.number} unsigned.")
    guard_register("complete", unsigned)
    order = order_in_state(OrderStatus.DELIVERED)

    assert transition_unmet_conditions(order, TRANSITIONS["complete"]) == [
        f"{order.number} unsigned."
    ]
    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="complete", actor=None)

    assert refusal.value.details["conditions"] == [f"{order.number} unsigned."]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    assert not OrderEvent.objects.filter(order=order, transition="complete").exists()


@pytest.mark.django_db
def test_every_unmet_guard_gives_its_refusal_in_registration_order(monkeypatch):
    monkeypatch.setitem(lifecycle._GUARDS, "complete", [])
    for name in ("first", "second"):
        guard_register(
            "complete", Guard(name, lambda order: False, lambda order, name=name: f"{name}.")
        )
    guard_register("complete", Guard("met", lambda order: True, lambda order: "never shown"))
    order = order_in_state(OrderStatus.DELIVERED)

    assert transition_unmet_conditions(order, TRANSITIONS["complete"]) == ["first.", "second."]
