"""The same checkpoints arriving twice at the same moment: recorded once, published once."""

import json
import threading

import pytest
from django.db import connection, connections

from aggregators.models import Aggregator, TrackingUpdate, UpdateOutcome
from aggregators.services import update_record
from fulfillment.models import TrackingEvent
from orders.models import OrderEvent, OrderEventType

from .conftest import payload, shipped_shipment


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
)
@pytest.mark.parametrize("same_event_id", [True, False])
def test_two_updates_with_the_same_checkpoints_at_once_record_them_once(same_event_id):
    shipment = shipped_shipment("GHNAS0000001")
    bodies = []
    for index in range(2):
        body = payload("aftership_2026-07_tracking_update.json")
        if not same_event_id:
            body["event_id"] = f"event-{index}"
        bodies.append(json.dumps(body).encode())
    start = threading.Barrier(2)
    results: list[str] = []

    def receive(body: bytes) -> None:
        try:
            start.wait()
            receipt = update_record(aggregator=Aggregator.AFTERSHIP, headers={}, body=body)
            results.append(f"{receipt.status} {receipt.update.outcome}")
        except Exception as error:  # the assertion below names it
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=receive, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    if same_event_id:
        assert sorted(results) == ["repeat applied", "stored applied"] or sorted(results) == [
            "repeat received",
            "stored applied",
        ], results
        assert TrackingUpdate.objects.count() == 1
    else:
        assert sorted(results) == ["stored applied", "stored ignored"], results
        assert TrackingUpdate.objects.filter(outcome=UpdateOutcome.APPLIED).count() == 1
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert (
        OrderEvent.objects.filter(
            order_id=shipment.order_id, event_type=OrderEventType.CARRIER_SCAN
        ).count()
        == 1
    )
