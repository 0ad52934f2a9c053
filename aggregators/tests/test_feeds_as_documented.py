"""The vendors' documented examples as an outside client sends them to a running shop.

Their checkpoint times are the documentation's (in the past), and their carrier
names are the documentation's ("dhl", "USPS"), not necessarily what the shop
set in the admin: the tracking number alone finds the one shipment that has it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from aggregators.models import TrackingUpdate, UpdateOutcome
from fulfillment.models import ShipmentStatus, TrackingEvent, TrackingEventStatus
from orders.models import HoldReason, Order, OrderStatus

from .conftest import aftership_post, easypost_post, payload, shipped_shipment

pytestmark = pytest.mark.django_db


def scanned_just_now_by_our_carrier(shipment) -> None:
    """Our own carrier webhook (or the demo data) saw the parcel on the road a moment ago."""
    TrackingEvent.objects.create(
        carrier=shipment.carrier,
        shipment=shipment,
        carrier_event_id="own-scan-1",
        status=TrackingEventStatus.IN_TRANSIT,
        occurred_at=timezone.now() - timedelta(minutes=5),
    )


def aftership_tagged(tag: str, subtag: str, *, event_id: str) -> dict:
    body = payload("aftership_2026-07_tracking_update.json")
    body["event_id"] = event_id
    body["msg"]["tag"], body["msg"]["subtag"] = tag, subtag
    checkpoint = dict(body["msg"]["checkpoints"][-1], tag=tag, subtag=subtag, hash=event_id)
    body["msg"]["checkpoints"].append(checkpoint)
    return body


@pytest.mark.parametrize(
    ("tag", "subtag", "order_status"),
    [
        ("Delivered", "Delivered_001", OrderStatus.DELIVERED),
        ("Exception", "Exception_004", OrderStatus.ON_HOLD),
    ],
)
def test_an_aftership_update_dated_before_our_own_scans_still_moves_the_order(
    client, tag, subtag, order_status
):
    shipment = shipped_shipment("GHNAS0000001")
    scanned_just_now_by_our_carrier(shipment)

    response = aftership_post(client, aftership_tagged(tag, subtag, event_id="doc-example"))

    assert response.json()["outcome"] == "applied"
    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == order_status
    if order_status == OrderStatus.ON_HOLD:
        assert order.hold_reason == HoldReason.DELIVERY_FAILED


def test_an_easypost_failure_dated_before_our_own_scans_still_holds_the_order(client):
    shipment = shipped_shipment("1234567890", easypost_carrier="DHLExpress")
    scanned_just_now_by_our_carrier(shipment)
    failure = payload("easypost_tracker_updated.json")
    failure["result"]["status"] = "failure"

    assert easypost_post(client, failure).json()["outcome"] == "applied"

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.EXCEPTION
    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.DELIVERY_FAILED


def test_the_only_shipment_with_the_number_is_moved_whatever_aftership_calls_its_carrier(client):
    shipment = shipped_shipment("GHNAS0000001", aftership_slug="ghn")
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["slug"] = "dhl"

    response = aftership_post(client, body)

    assert response.json()["outcome"] == "applied"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    update = TrackingUpdate.objects.get()
    assert update.shipment_id == shipment.pk
    # Applied, and staff are told the carrier names disagree.
    assert update.needs_attention
    assert "dhl" in update.error


def test_the_only_shipment_with_the_number_is_moved_whatever_easypost_calls_its_carrier(client):
    shipment = shipped_shipment("1234567890", easypost_carrier="DHLExpress")
    body = payload("easypost_tracker_updated.json")
    body["result"]["carrier"] = "USPS"

    assert easypost_post(client, body).json()["outcome"] == UpdateOutcome.APPLIED

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert "USPS" in TrackingUpdate.objects.get().error


def test_a_carrier_named_as_configured_needs_no_attention(client):
    shipped_shipment("GHNAS0000001", aftership_slug="ghn")

    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))

    update = TrackingUpdate.objects.get()
    assert update.outcome == UpdateOutcome.APPLIED
    assert not update.needs_attention
    assert update.error == ""
