"""History kinds: fulfillment's rows have kinds of their own, and old notes get them."""

import importlib

import pytest
from django.apps import apps

from orders.history import customer_message_for, customer_message_kinds
from orders.models import OrderEvent, OrderEventType

from .factories import order_new

kinds_migration = importlib.import_module("orders.migrations.0011_order_event_kinds")

# A note as each service wrote it before the kinds existed, and the kind it gets.
OLD_NOTES = [
    ({"picked": {"MUG-1": 2}, "short": {}}, OrderEventType.PICK_RECORDED),
    ({"package": 7}, OrderEventType.PACKAGE_PACKED),
    ({"shipment": 8}, OrderEventType.SHIPMENT_BOOKED),
    ({"shipment": 9, "previous_leg": 8}, OrderEventType.SHIPMENT_HANDED_OVER),
    ({"shipment": 9, "tracking_status": "in_transit"}, OrderEventType.CARRIER_SCAN),
    ({"after_sales_request": 3, "kind": "return"}, OrderEventType.AFTER_SALES_OPENED),
    (
        {"after_sales_request": 3, "after_sales_status": "resolved", "resolution": "refund"},
        OrderEventType.AFTER_SALES_CHANGED,
    ),
    (
        {"supplier_request": 4, "supplier": 1, "delivery": "drop_ship"},
        OrderEventType.SUPPLIER_REQUEST,
    ),
    (
        {"supplier_request": 4, "transition": "receive", "status": "received"},
        OrderEventType.SUPPLIER_REQUEST,
    ),
    # Notes that stay notes: a team move, an erasure, one without data.
    ({"team": "north"}, OrderEventType.NOTE),
    ({"personal_data_action": 5}, OrderEventType.NOTE),
    ({}, OrderEventType.NOTE),
]


@pytest.mark.django_db
def test_old_notes_get_their_kinds_and_get_them_back_when_migrating_backwards():
    order = order_new()
    notes = [
        OrderEvent.objects.create(order=order, event_type=OrderEventType.NOTE, data=data)
        for data, _kind in OLD_NOTES
    ]
    note_pks = [note.pk for note in notes]
    others = dict(order.events.exclude(pk__in=note_pks).values_list("pk", "event_type"))

    kinds_migration.notes_typed(apps, None)

    assert [OrderEvent.objects.get(pk=note.pk).event_type for note in notes] == [
        kind for _data, kind in OLD_NOTES
    ]
    kinds_migration.notes_untyped(apps, None)

    assert {OrderEvent.objects.get(pk=note.pk).event_type for note in notes} == {
        OrderEventType.NOTE
    }
    assert [OrderEvent.objects.get(pk=note.pk).data for note in notes] == [
        data for data, _kind in OLD_NOTES
    ]
    assert dict(order.events.exclude(pk__in=note_pks).values_list("pk", "event_type")) == others


def test_the_migration_knows_every_kind_fulfillment_writes():
    migrated = {kind for _key, kind in kinds_migration.KIND_OF_NOTE}

    assert migrated == set(OrderEventType.values) - {
        OrderEventType.CREATED,
        OrderEventType.STATUS_CHANGED,
        OrderEventType.PAYMENT_CHANGED,
        OrderEventType.NOTE,
        # Orders' own kind, written since it exists (never a note before).
        OrderEventType.CHANGE_REQUEST,
    }


def test_only_after_sales_and_change_request_kinds_speak_to_the_customer_worded_by_their_app():
    assert customer_message_kinds() == (
        OrderEventType.AFTER_SALES_CHANGED,
        OrderEventType.AFTER_SALES_OPENED,
        OrderEventType.CHANGE_REQUEST,
    )
    assert {kind: customer_message_for(kind).__module__ for kind in customer_message_kinds()} == {
        OrderEventType.AFTER_SALES_CHANGED: "fulfillment.history",
        OrderEventType.AFTER_SALES_OPENED: "fulfillment.history",
        OrderEventType.CHANGE_REQUEST: "orders.models.change_requests",
    }


def test_a_kind_nobody_words_says_nothing_to_the_customer():
    event = OrderEvent(event_type=OrderEventType.CARRIER_SCAN, data={"shipment": 1})

    assert event.customer_message() == ""
