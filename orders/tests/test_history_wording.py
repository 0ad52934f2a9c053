"""The one wording registry: history rows read as people say what happened."""

import pytest
from django.utils import translation

from orders.history import TRANSITION_MESSAGES, transition_message
from orders.services import TRANSITIONS, order_transition

from .factories import order_new


def test_every_transition_has_peoples_words():
    assert set(TRANSITION_MESSAGES) == set(TRANSITIONS)
    for name in TRANSITIONS:
        assert transition_message(name) and "_" not in transition_message(name)


def test_the_words_are_translated_into_vietnamese():
    with translation.override("en"):
        english = {name: str(message) for name, message in TRANSITION_MESSAGES.items()}
    with translation.override("vi"):
        vietnamese = {name: str(message) for name, message in TRANSITION_MESSAGES.items()}
    assert [name for name in english if english[name] == vietnamese[name]] == []


@pytest.mark.django_db
def test_history_rows_say_what_happened_not_the_transitions_name():
    order = order_new(payment_method="card")
    order = order_transition(order=order, transition="authorize_payment", actor=None)
    order = order_transition(order=order, transition="confirm", actor=None)
    order = order_transition(order=order, transition="hold", actor=None, reason="address_check")

    rows = list(order.events.order_by("id"))

    assert [row.headline() for row in rows] == [
        "Order received",
        "Payment authorized",
        "Order confirmed",
        "Order delayed",
    ]
    assert [row.change_display() for row in rows] == [
        "",
        "Unpaid → Authorized",
        "Received → Processing",
        "Processing → On hold",
    ]
    # The customer reads the same words; a hold adds its customer-facing reason.
    assert [row.customer_message() for row in rows if row.customer_visible] == [
        "Order received",
        "Order confirmed",
        "Order delayed: The delivery address is being checked",
    ]
