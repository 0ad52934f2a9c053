"""The order event seam (orders.events): every consequence of an order change, pinned.

A new side effect of an order change is a new subscriber: add it to its app's
subscribers.py and to EXPECTED_SUBSCRIBERS here.
"""

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from notifications.models import Notification
from orders import events
from orders.events import (
    ORDER_EVENT_TYPES,
    AfterSalesOpened,
    AfterSalesResolved,
    AfterSalesStatusChanged,
    CarrierScanRecorded,
    ChangeRequestDecided,
    OrderCreated,
    OrderEdited,
    OrderPaymentChanged,
    OrderSplit,
    OrderStatusChanged,
    PackageCreated,
    ShipmentCreated,
    SupplierRequestCreated,
    SupplierRequestStatusChanged,
    publish,
    subscribe,
    subscribers,
)
from orders.models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from orders.services import order_transition
from reports.models import LedgerEntry
from webhooks.models import WebhookEvent

from .factories import StorefrontFactory, order_in_state, order_new

# Every handler of every order event, in the order `publish` calls them.
EXPECTED_SUBSCRIBERS = {
    OrderCreated: [
        "reports.subscribers.ledger_book_order_created",
        "notifications.subscribers.notify_order_received",
        "webhooks.subscribers.webhook_order_created",
    ],
    OrderStatusChanged: [
        "reports.subscribers.ledger_book_status_change",
        "notifications.subscribers.notify_status_change",
        "webhooks.subscribers.webhook_order_status_changed",
        "connectors.subscribers.status_push_order_shipped",
    ],
    OrderPaymentChanged: [
        "reports.subscribers.ledger_book_payment_change",
        "notifications.subscribers.notify_refund",
    ],
    OrderEdited: [
        "reports.subscribers.ledger_book_edit",
        "notifications.subscribers.notify_order_edited",
        "webhooks.subscribers.webhook_order_edited",
    ],
    OrderSplit: [
        "reports.subscribers.ledger_book_split",
        "notifications.subscribers.notify_order_split",
        "webhooks.subscribers.webhook_order_split",
    ],
    PackageCreated: ["reports.subscribers.ledger_book_package"],
    ShipmentCreated: [
        "reports.subscribers.ledger_book_shipment",
        "webhooks.subscribers.webhook_shipment_created",
        "connectors.subscribers.status_push_shipment_created",
        "aggregators.subscribers.updates_apply_on_shipment",
    ],
    CarrierScanRecorded: [
        "notifications.subscribers.notify_carrier_scan",
        "webhooks.subscribers.webhook_carrier_scan",
    ],
    AfterSalesOpened: ["notifications.subscribers.notify_after_sales_opened"],
    AfterSalesStatusChanged: [],
    AfterSalesResolved: ["notifications.subscribers.notify_after_sales_resolved"],
    SupplierRequestCreated: [],
    SupplierRequestStatusChanged: [],
    ChangeRequestDecided: ["notifications.subscribers.notify_change_request_decided"],
}


def _names(handlers) -> list[str]:
    return [f"{handler.__module__}.{handler.__qualname__}" for handler in handlers]


@pytest.mark.parametrize(
    "event_type", ORDER_EVENT_TYPES, ids=lambda event_type: event_type.__name__
)
def test_each_order_event_has_exactly_the_expected_subscribers(event_type):
    assert _names(subscribers(event_type)) == EXPECTED_SUBSCRIBERS[event_type]


def test_every_order_event_is_pinned():
    assert set(EXPECTED_SUBSCRIBERS) == set(ORDER_EVENT_TYPES)


def test_events_are_frozen():
    event = OrderCreated(order=Order(number="OR1"))

    with pytest.raises(AttributeError):
        event.order = Order(number="OR2")


def test_only_order_events_take_subscribers():
    class Unknown:
        pass

    with pytest.raises(ValueError, match="Unknown is not an order event"):
        subscribe(Unknown, lambda event: None)


def test_subscribing_a_handler_again_changes_nothing(monkeypatch):
    monkeypatch.setitem(events._SUBSCRIBERS, PackageCreated, list(subscribers(PackageCreated)))
    handler = subscribers(PackageCreated)[0]

    subscribe(PackageCreated, handler)

    assert _names(subscribers(PackageCreated)) == EXPECTED_SUBSCRIBERS[PackageCreated]


@pytest.fixture
def published(monkeypatch):
    """Every order event published during the test, in order (the real handlers still run)."""
    seen = []
    for event_type in ORDER_EVENT_TYPES:
        monkeypatch.setitem(
            events._SUBSCRIBERS, event_type, [*subscribers(event_type), seen.append]
        )
    return seen


@pytest.mark.django_db
def test_a_transition_publishes_one_event_per_history_row(published):
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    published.clear()

    order = order_transition(order=order, transition="cancel", actor=None, reason="changed mind")

    assert published == [
        OrderStatusChanged(
            order=published[0].order,
            transition="cancel",
            from_status=OrderStatus.RECEIVED,
            to_status=OrderStatus.CANCELLED,
            reason="changed mind",
        ),
        OrderPaymentChanged(
            order=published[1].order,
            transition="refund_payment",
            from_status=PaymentStatus.PAID,
            to_status=PaymentStatus.REFUNDED,
            amount=order.total,
            caused_by="cancel",
        ),
    ]
    assert published[0].order.pk == order.pk
    assert published[1].is_refund
    assert isinstance(published[1].amount, Decimal)


@pytest.mark.django_db
def test_creating_an_order_publishes_order_created(published):
    order = order_new()

    assert [type(event) for event in published] == [OrderCreated]
    assert published[0].order.pk == order.pk


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_rolls_the_change_back_with_every_outbox_row(monkeypatch):
    storefront = StorefrontFactory(webhook_url="https://shop.example/hooks")
    order = order_in_state(OrderStatus.RECEIVED, storefront=storefront)
    rows_before = (
        OrderEvent.objects.count(),
        Notification.objects.count(),
        WebhookEvent.objects.count(),
        LedgerEntry.objects.count(),
    )

    def refuse(event):
        raise RuntimeError("subscriber failed")

    monkeypatch.setitem(
        events._SUBSCRIBERS, OrderStatusChanged, [*subscribers(OrderStatusChanged), refuse]
    )
    with pytest.raises(RuntimeError, match="subscriber failed"):
        order_transition(order=order, transition="cancel", actor=None, reason="changed mind")

    order.refresh_from_db()
    assert order.status == OrderStatus.RECEIVED
    assert (
        OrderEvent.objects.count(),
        Notification.objects.count(),
        WebhookEvent.objects.count(),
        LedgerEntry.objects.count(),
    ) == rows_before


def test_publishing_with_no_subscriber_does_nothing(monkeypatch):
    monkeypatch.setitem(events._SUBSCRIBERS, SupplierRequestCreated, [])

    publish(SupplierRequestCreated(order=Order(), request_id=1, supplier_id=1, delivery="x"))


# The apps whose services publish, and the follow-ups they must leave to the seam.
PUBLISHERS = ("orders", "fulfillment")
FOLLOW_UPS = ("notifications", "reports", "webhooks")


@pytest.mark.parametrize("package", PUBLISHERS)
def test_publishers_import_no_follow_up(package):
    imported = set()
    for path in (Path(settings.BASE_DIR) / package).rglob("*.py"):
        where = str(path.relative_to(settings.BASE_DIR))
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add((where, node.module))
            elif isinstance(node, ast.Import):
                imported |= {(where, alias.name) for alias in node.names}

    assert [
        (where, module) for where, module in sorted(imported) if module.split(".")[0] in FOLLOW_UPS
    ] == []
