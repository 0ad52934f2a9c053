"""The transition service: history, version, atomicity, side effects; and order creation."""

from decimal import Decimal

import pytest

from customers.models import Customer
from orders.models import Order, OrderEvent, OrderStatus
from orders.roles import MANAGER
from orders.services import order_create, order_transition, transitions
from shared.errors import OrderConflict, OrderValidationError, StaleOrderVersion

from .factories import StorefrontFactory, order_in_state, order_new, user_with_role


@pytest.mark.django_db
def test_transition_records_actor_reason_note_and_bumps_version():
    manager = user_with_role(MANAGER)
    order = order_in_state(OrderStatus.PROCESSING)
    version = order.version

    order = order_transition(
        order=order,
        transition="hold",
        actor=manager,
        reason="payment_review",
        note="Card flagged by the bank",
    )

    assert order.version == version + 1
    assert Order.objects.get(pk=order.pk).version == version + 1
    event = order.events.order_by("-id").first()
    assert event.actor == manager
    assert (event.reason, event.note, event.customer_visible) == (
        "payment_review",
        "Card flagged by the bank",
        True,
    )


@pytest.mark.django_db
def test_new_order_starts_received_with_one_created_event():
    order = order_new()

    assert (order.status, order.payment_status, order.version) == ("received", "unpaid", 1)
    assert list(order.events.values_list("event_type", "to_status")) == [("created", "received")]


@pytest.mark.django_db
def test_stale_version_is_refused_and_nothing_changes():
    order = order_new()
    order_transition(order=order, transition="confirm", actor=None, expected_version=1)

    with pytest.raises(StaleOrderVersion) as refusal:
        order_transition(
            order=order, transition="hold", actor=None, reason="other", expected_version=1
        )

    assert refusal.value.code == "precondition_failed"
    assert refusal.value.details == {"current_version": 2}
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.version) == (OrderStatus.PROCESSING, 2)
    assert stored.events.count() == 2


@pytest.mark.django_db
def test_error_after_both_writes_rolls_back_status_and_event(monkeypatch):
    order = order_new()

    def fail(events):
        raise RuntimeError("broker exploded while registering side effects")

    monkeypatch.setattr(transitions, "_side_effects_register", fail)
    with pytest.raises(RuntimeError):
        order_transition(order=order, transition="confirm", actor=None)

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.version) == (OrderStatus.RECEIVED, 1)
    assert list(stored.events.values_list("event_type", flat=True)) == ["created"]


@pytest.mark.django_db
def test_failing_history_write_leaves_the_status_unchanged(monkeypatch):
    order = order_new()

    def refuse_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(OrderEvent, "save", refuse_save)
    with pytest.raises(RuntimeError):
        order_transition(order=order, transition="confirm", actor=None)
    monkeypatch.undo()

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.version) == (OrderStatus.RECEIVED, 1)
    assert stored.events.count() == 1


@pytest.mark.django_db
def test_side_effects_run_only_after_commit(
    django_capture_on_commit_callbacks, caplog, tasks_in_process
):
    order = order_new()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_transition(order=order, transition="confirm", actor=None)
    assert len(callbacks) == 2  # the event dispatcher and the customer's e-mail
    assert "confirm received -> processing" not in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, transition="start_picking", actor=None)
    # The dispatcher runs once the commit is done, never inside the transaction.
    assert f"order {order.number}: start_picking processing -> picking" in caplog.text


@pytest.mark.django_db
def test_refused_transition_schedules_no_side_effect(django_capture_on_commit_callbacks):
    order = order_new()

    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(OrderValidationError),
    ):
        order_transition(order=order, transition="cancel", actor=None, reason="")

    assert callbacks == []


@pytest.mark.django_db
def test_order_create_computes_totals_and_ignores_nothing_from_client():
    storefront = StorefrontFactory(currency="USD")

    order = order_create(
        storefront=storefront,
        external_id="A-1",
        customer={"email": "Ann@Example.com", "name": "Ann"},
        shipping_address={"name": "Ann", "line1": "1 Main St", "city": "Austin", "country": "US"},
        lines=[
            {"sku": "A", "name": "A", "quantity": 3, "unit_price": "19.99"},
            {"sku": "B", "name": "B", "quantity": 1, "unit_price": Decimal("0.02")},
        ],
        payment_method="card",
        payment_status="paid",
        shipping_price=Decimal("5.00"),
    )

    assert (order.subtotal, order.shipping_price, order.total) == (
        Decimal("59.99"),
        Decimal("5.00"),
        Decimal("64.99"),
    )
    assert (order.amount_paid, order.currency) == (Decimal("64.99"), "USD")
    assert [line.line_total for line in order.lines.all()] == [Decimal("59.97"), Decimal("0.02")]
    assert len(order.number) == 10 and order.number.startswith("OR")


@pytest.mark.django_db
def test_order_create_reuses_the_customer_of_the_same_storefront_only():
    shop, other_shop = StorefrontFactory(), StorefrontFactory()
    order_new(storefront=shop)
    order_new(storefront=shop)
    order_new(storefront=other_shop)

    assert Customer.objects.filter(storefront=shop).count() == 1
    assert Customer.objects.filter(storefront=other_shop).count() == 1


def order_create_arguments(**override) -> dict:
    """The smallest valid order_create arguments, with `override` applied."""
    return {
        "external_id": "x",
        "customer": {"email": "a@example.com", "name": "A"},
        "shipping_address": {"name": "A", "line1": "x", "city": "y", "country": "VN"},
        "lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1000"}],
        "payment_method": "cod",
        **override,
    }


@pytest.mark.django_db
def test_duplicate_external_id_is_a_conflict_and_creates_nothing():
    storefront = StorefrontFactory()
    kwargs = order_create_arguments(storefront=storefront, external_id="same")
    order_create(**kwargs)

    with pytest.raises(OrderConflict):
        order_create(**kwargs)

    assert Order.objects.filter(storefront=storefront).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"currency": "EUR"}, "currency"),
        ({"lines": []}, "lines"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"payment_status": "refunded"}, "payment_status"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 0, "unit_price": "1"}]}, "lines[0]"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": "two", "unit_price": "1"}]}, "lines[0]"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "cheap"}]}, "lines[0]"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "NaN"}]}, "lines[0]"),
        ({"lines": [{"sku": " ", "name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0]"),
        ({"lines": [{"name": "A", "quantity": 1, "unit_price": "1"}]}, "lines[0]"),
        ({"shipping_price": "-1"}, "shipping_price"),
        ({"shipping_price": "free"}, "shipping_price"),
    ],
)
def test_order_create_refuses_bad_input_and_names_the_field(override, field):
    kwargs = order_create_arguments(storefront=StorefrontFactory(), **override)

    with pytest.raises(OrderValidationError) as refusal:
        order_create(**kwargs)

    assert field in refusal.value.details
    assert Order.objects.count() == 0
