"""AfterShip's and EasyPost's webhooks, end to end through the HTTP endpoints."""

from datetime import date

import pytest

from aggregators import subscribers
from aggregators.models import TrackingUpdate, UpdateOutcome
from aggregators.services import update_reapply, update_resolve
from fulfillment.models import ShipmentStatus, TrackingEvent, TrackingEventStatus
from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind
from orders.models import HoldReason, Order, OrderEvent, OrderEventType, OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    order_book_shipment,
    order_in_state,
    order_pack_everything,
    user_with_role,
)
from shared.errors import TransitionPermissionDenied

from .conftest import (
    AFTERSHIP_VERSIONS,
    aftership_post,
    aftership_signature,
    as_bytes,
    easypost_post,
    easypost_signature,
    payload,
    shipped_shipment,
)

pytestmark = pytest.mark.django_db


def aftership_update(tag: str, subtag: str, *, event_id: str, checkpoints: list | None = None):
    body = payload("aftership_2026-07_tracking_update.json")
    body["event_id"] = event_id
    body["msg"]["tag"], body["msg"]["subtag"] = tag, subtag
    if checkpoints is not None:
        body["msg"]["checkpoints"] = checkpoints
    return body


def checkpoint(time: str, tag: str, subtag: str, message: str, location: str = "Hà Nội"):
    return {
        "checkpoint_time": time,
        "location": location,
        "message": message,
        "tag": tag,
        "subtag": subtag,
        "slug": "ghn",
        "hash": f"{tag}-{time}",
    }


def order_of(shipment) -> Order:
    return Order.objects.get(pk=shipment.order_id)


@pytest.mark.parametrize("version", AFTERSHIP_VERSIONS)
def test_an_aftership_update_of_each_version_moves_the_shipment(client, version):
    shipment = shipped_shipment("GHNAS0000001")

    response = aftership_post(
        client, payload(f"aftership_{version}_tracking_update.json"), version=version
    )

    assert response.status_code == 200
    assert response.json() == {"received": True, "status": "stored", "outcome": "applied"}
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert shipment.estimated_delivery_date == date(2026, 12, 3)
    scans = list(shipment.tracking_events.order_by("occurred_at"))
    assert [scan.status for scan in scans] == ["info_received", "in_transit"]
    assert {scan.source for scan in scans} == {"aftership"}
    assert {scan.utc_offset_minutes for scan in scans} == {420}
    update = TrackingUpdate.objects.get()
    assert update.shipment_id == shipment.pk
    assert update.headers["as-webhook-version"] == version
    assert "aftership-hmac-sha256" not in {name.lower() for name in update.headers}


def test_a_wrong_or_missing_aftership_signature_is_refused_and_nothing_is_kept(client):
    shipment = shipped_shipment("GHNAS0000001")
    body = as_bytes(payload("aftership_2026-07_tracking_update.json"))

    wrong = aftership_post(client, body, signature=aftership_signature(body, "other-secret"))
    missing = aftership_post(client, body, signature=False)
    tampered = aftership_post(
        client, body.replace(b"GHNAS0000001", b"GHNAS0000002"), signature=aftership_signature(body)
    )

    for response in (wrong, missing, tampered):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert not TrackingUpdate.objects.exists()
    assert not TrackingEvent.objects.filter(shipment=shipment).exists()


def test_no_secret_configured_refuses_everything(client, settings):
    settings.AFTERSHIP_WEBHOOK_SECRET = ""
    body = as_bytes(payload("aftership_2026-07_tracking_update.json"))

    response = aftership_post(client, body, signature=aftership_signature(body, ""))

    assert response.status_code == 401
    assert not TrackingUpdate.objects.exists()


def test_a_repeat_changes_nothing(client):
    shipment = shipped_shipment("GHNAS0000001")
    body = payload("aftership_2026-07_tracking_update.json")
    aftership_post(client, body)
    events_before = OrderEvent.objects.filter(order_id=shipment.order_id).count()

    again = aftership_post(client, body)

    assert again.status_code == 200
    assert again.json()["status"] == "repeat"
    assert TrackingUpdate.objects.count() == 1
    assert TrackingUpdate.objects.get().attempts == 1
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert OrderEvent.objects.filter(order_id=shipment.order_id).count() == events_before


def test_applying_an_applied_update_again_keeps_it_applied_and_changes_nothing(client):
    """Staff pressing "Apply again" on an update that was applied must not rewrite its
    history as "nothing to do": what it changed the first time is still its doing."""
    shipment = shipped_shipment("GHNAS0000001")
    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))
    update = TrackingUpdate.objects.get()
    assert update.outcome == UpdateOutcome.APPLIED
    scans_before = TrackingEvent.objects.filter(shipment=shipment).count()

    update = update_reapply(update, actor=user_with_role(CUSTOMER_CARE))

    update.refresh_from_db()
    assert update.outcome == UpdateOutcome.APPLIED
    assert update.attempts == 2
    assert not update.needs_attention
    assert TrackingEvent.objects.filter(shipment=shipment).count() == scans_before


def test_the_same_checkpoints_under_a_new_event_id_add_no_scans(client):
    shipment = shipped_shipment("GHNAS0000001")
    aftership_post(client, payload("aftership_2026-01_tracking_update.json"), version="2026-01")
    # The same checkpoints again, now with their 2026-07 hash: still the same scans.
    body = payload("aftership_2026-07_tracking_update.json")

    response = aftership_post(client, body)

    assert response.json() == {"received": True, "status": "stored", "outcome": "ignored"}
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert TrackingUpdate.objects.count() == 2


def test_delivered_delivers_the_order_and_sends_one_scan_note(client):
    shipment = shipped_shipment("GHNAS0000001")
    body = aftership_update(
        "Delivered",
        "Delivered_001",
        event_id="ev-delivered",
        checkpoints=[
            checkpoint("2026-11-30T08:40:00+07:00", "InfoReceived", "InfoReceived_001", "Info"),
            checkpoint("2026-11-30T12:05:00+07:00", "InTransit", "InTransit_002", "Picked up"),
            checkpoint("2026-12-01T09:00:00+07:00", "OutForDelivery", "OutForDelivery_001", "Out"),
            checkpoint("2026-12-01T15:30:00+07:00", "Delivered", "Delivered_001", "Delivered"),
        ],
    )

    assert aftership_post(client, body).json()["outcome"] == "applied"

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.delivered_at.isoformat() == "2026-12-01T08:30:00+00:00"
    assert order_of(shipment).status == OrderStatus.DELIVERED
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 4
    # One note (and one CarrierScanRecorded) for the update, not one per old checkpoint.
    assert (
        OrderEvent.objects.filter(
            order_id=shipment.order_id, event_type=OrderEventType.CARRIER_SCAN
        ).count()
        == 1
    )


def test_one_of_two_shipments_delivered_leaves_the_order_shipped(client):
    order = order_in_state(OrderStatus.SHIPPED)
    first = order.shipments.select_related("carrier").get()
    second = first.__class__.objects.create(
        order=order, carrier=first.carrier, tracking_number="GHNAS0000002"
    )
    first.__class__.objects.filter(pk=first.pk).update(tracking_number="GHNAS0000001")
    delivered = [checkpoint("2026-12-01T15:30:00+07:00", "Delivered", "Delivered_001", "OK")]

    aftership_post(
        client, aftership_update("Delivered", "Delivered_001", event_id="a", checkpoints=delivered)
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    body = aftership_update("Delivered", "Delivered_001", event_id="b", checkpoints=delivered)
    body["msg"]["tracking_number"] = "GHNAS0000002"
    aftership_post(client, body)
    order.refresh_from_db()
    second.refresh_from_db()
    assert second.status == ShipmentStatus.DELIVERED
    assert order.status == OrderStatus.DELIVERED


@pytest.mark.parametrize(
    ("tag", "subtag", "shipment_status"),
    [
        ("Exception", "Exception_004", ShipmentStatus.EXCEPTION),
        ("AttemptFail", "AttemptFail_001", ShipmentStatus.FAILED_ATTEMPT),
    ],
)
def test_an_exception_or_a_failed_attempt_holds_the_order(client, tag, subtag, shipment_status):
    shipment = shipped_shipment("GHNAS0000001")
    body = aftership_update(
        tag,
        subtag,
        event_id="ev-problem",
        checkpoints=[checkpoint("2026-12-01T10:00:00+07:00", tag, subtag, "Customs hold")],
    )

    assert aftership_post(client, body).json()["outcome"] == "applied"

    shipment.refresh_from_db()
    order = order_of(shipment)
    assert shipment.status == shipment_status
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.DELIVERY_FAILED


def test_a_second_failed_attempt_after_staff_released_the_order_holds_it_again(client):
    # As our own carrier webhook does: each new failed attempt is news for staff.
    shipment = shipped_shipment("GHNAS0000001")
    first = [checkpoint("2026-12-01T10:00:00+07:00", "AttemptFail", "AttemptFail_001", "No one")]
    aftership_post(
        client, aftership_update("AttemptFail", "AttemptFail_001", event_id="a1", checkpoints=first)
    )
    order_transition(order=order_of(shipment), transition="release", actor=None)
    notes_before = OrderEvent.objects.filter(event_type=OrderEventType.CARRIER_SCAN).count()
    second = [
        *first,
        checkpoint("2026-12-02T10:00:00+07:00", "AttemptFail", "AttemptFail_001", "No one again"),
    ]

    response = aftership_post(
        client,
        aftership_update("AttemptFail", "AttemptFail_001", event_id="a2", checkpoints=second),
    )

    assert response.json()["outcome"] == "applied"
    order = order_of(shipment)
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.DELIVERY_FAILED)
    assert OrderEvent.objects.filter(event_type=OrderEventType.CARRIER_SCAN).count() == (
        notes_before + 1
    )
    # The same checkpoints once more under another event id: nothing new, no hold again.
    order_transition(order=order, transition="release", actor=None)
    aftership_post(
        client,
        aftership_update("AttemptFail", "AttemptFail_001", event_id="a3", checkpoints=second),
    )
    assert order_of(shipment).status == OrderStatus.SHIPPED


def test_an_older_update_arriving_late_does_not_move_the_status_back(client):
    shipment = shipped_shipment("GHNAS0000001")
    out = [checkpoint("2026-12-01T09:00:00+07:00", "OutForDelivery", "OutForDelivery_001", "Out")]
    aftership_post(
        client,
        aftership_update("OutForDelivery", "OutForDelivery_001", event_id="newer", checkpoints=out),
    )
    older = [checkpoint("2026-11-30T12:05:00+07:00", "InTransit", "InTransit_002", "Picked up")]

    response = aftership_post(
        client, aftership_update("InTransit", "InTransit_002", event_id="older", checkpoints=older)
    )

    assert response.json()["outcome"] == "applied"  # its scan is new on the timeline
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.OUT_FOR_DELIVERY
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2


def test_ready_for_pickup_changes_the_shipment_only(client):
    shipment = shipped_shipment("GHNAS0000001")

    aftership_post(client, payload("aftership_2026-07_available_for_pickup.json"))

    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.READY_FOR_PICKUP
    assert order_of(shipment).status == OrderStatus.SHIPPED


def test_ready_for_pickup_e_mails_the_customer_where_to_fetch_the_parcel_once(client):
    shipment = shipped_shipment("GHNAS0000001")
    body = payload("aftership_2026-07_available_for_pickup.json")

    aftership_post(client, body)
    aftership_post(client, body)  # the same event again
    body["event_id"] = "a-new-event-id-same-news"
    aftership_post(client, body)

    [notice] = Notification.objects.filter(
        order_id=shipment.order_id, kind=NotificationKind.READY_FOR_PICKUP
    )
    pickup = TrackingEvent.objects.get(
        shipment=shipment, status=TrackingEventStatus.READY_FOR_PICKUP
    )
    assert notice.context["tracking_number"] == "GHNAS0000001"
    assert notice.context["place"] == pickup.location != ""
    message = notification_message_build(notice)
    assert pickup.location in message.body
    assert "waiting for you at a pickup point" in message.body


def test_an_unknown_tracking_number_is_kept_for_staff_and_applied_once_fixed(client):
    response = aftership_post(client, payload("aftership_2026-07_tracking_update.json"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "unmatched"
    update = TrackingUpdate.objects.get()
    assert update.needs_attention
    assert "GHNAS0000001" in update.error

    shipment = shipped_shipment("GHNAS0000001")
    update = update_reapply(update, actor=user_with_role(CUSTOMER_CARE))

    assert update.outcome == UpdateOutcome.APPLIED
    assert not update.needs_attention
    assert update.shipment_id == shipment.pk
    assert update.attempts == 2
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT


def test_a_shipment_booked_later_takes_the_updates_that_waited_for_it(
    client, django_capture_on_commit_callbacks
):
    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))

    with django_capture_on_commit_callbacks(execute=True):
        order_book_shipment(order, tracking_number="GHNAS0000001")

    update = TrackingUpdate.objects.get()
    assert update.outcome == UpdateOutcome.APPLIED
    assert update.shipment.tracking_number == "GHNAS0000001"
    assert update.shipment.tracking_events.count() == 2


def test_an_update_failing_on_booking_leaves_the_booking_and_the_next_update_alone(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))
    second = payload("aftership_2026-07_tracking_update.json")
    second["event_id"] = "second"
    aftership_post(client, second)
    first_id = TrackingUpdate.objects.order_by("id").first().pk
    applying = subscribers.update_apply

    def failing_first(update):
        if update.pk == first_id:
            raise RuntimeError("broken")
        return applying(update)

    monkeypatch.setattr(subscribers, "update_apply", failing_first)
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))

    with django_capture_on_commit_callbacks(execute=True):
        order_book_shipment(order, tracking_number="GHNAS0000001")

    outcomes = list(TrackingUpdate.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [UpdateOutcome.UNMATCHED, UpdateOutcome.APPLIED]
    assert order.shipments.get().tracking_events.count() == 2


def test_the_carrier_named_by_the_aggregator_tells_two_shipments_apart(client):
    ghn = shipped_shipment("SAME123", aftership_slug="ghn")
    other = order_in_state(OrderStatus.SHIPPED).shipments.get()
    dhl = CarrierFactory(code="dhl", name="DHL Express", aftership_slug="dhl")
    other.__class__.objects.filter(pk=other.pk).update(tracking_number="SAME123", carrier=dhl)
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["tracking_number"] = "SAME123"

    aftership_post(client, body)

    assert TrackingUpdate.objects.get().shipment_id == ghn.pk

    body["event_id"], body["msg"]["slug"] = "unknown-carrier", "fedex"
    assert aftership_post(client, body).json()["outcome"] == "unmatched"


def test_two_shipments_nobody_can_tell_apart_are_left_to_staff(client):
    shipped_shipment("SAME123")
    other = order_in_state(OrderStatus.SHIPPED).shipments.get()
    vnpost = CarrierFactory(code="vnpost", name="Vietnam Post")
    other.__class__.objects.filter(pk=other.pk).update(tracking_number="SAME123", carrier=vnpost)
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["tracking_number"], body["msg"]["slug"] = "SAME123", "kerry-logistics"

    assert aftership_post(client, body).json()["outcome"] == "unmatched"
    assert "Ambiguous" in TrackingUpdate.objects.get().error


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"[]", b"{}", b'{"event_id": "e1", "event": "tracking_update"}'],
)
def test_odd_bodies_are_kept_as_failed_and_answered_200(client, body):
    response = aftership_post(client, body)

    assert response.status_code == 200
    assert response.json()["outcome"] == "failed"
    update = TrackingUpdate.objects.get()
    assert update.needs_attention
    assert update.error
    assert update.raw_body == body.decode()
    # The same bytes again are a repeat, not a second row.
    assert aftership_post(client, body).json()["status"] == "repeat"


def test_easypost_moves_the_shipment_and_checks_its_signature(client):
    shipment = shipped_shipment("1234567890", easypost_carrier="DHLExpress")
    body = as_bytes(payload("easypost_tracker_updated.json"))

    refused = easypost_post(client, body, signature=easypost_signature(body, "wrong-secret"))
    missing = easypost_post(client, body, signature=False)
    # Keyed with the secret normalised to NFKD ("ﬁ" is "fi"), as EasyPost's libraries do.
    accepted = easypost_post(
        client, body, signature=easypost_signature(body, "test-easypost-secret-fi")
    )
    repeat = easypost_post(client, body)

    assert refused.status_code == missing.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert accepted.status_code == 200
    assert accepted.json() == {"received": True, "status": "stored", "outcome": "applied"}
    assert repeat.json()["status"] == "repeat"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert shipment.estimated_delivery_date == date(2026, 12, 4)
    assert list(
        shipment.tracking_events.order_by("occurred_at").values_list("status", "source")
    ) == [("info_received", "easypost"), ("in_transit", "easypost")]


def test_easypost_failure_holds_the_order_and_a_tracker_error_does_not(client):
    shipment = shipped_shipment("1234567890", easypost_carrier="DHLExpress")
    error = payload("easypost_tracker_updated.json")
    error["id"], error["result"]["status"] = "evt_error", "error"

    # Its scans are new (the timeline takes them); the order is not held for it.
    assert easypost_post(client, error).json()["outcome"] == "applied"
    assert TrackingUpdate.objects.get(event_id="evt_error").needs_attention
    assert order_of(shipment).status == OrderStatus.SHIPPED

    failure = payload("easypost_tracker_updated.json")
    failure["id"], failure["result"]["status"] = "evt_failure", "failure"
    failure["result"]["tracking_details"].append(
        {
            "message": "Refused by recipient",
            "status": "failure",
            "status_detail": "refused",
            "datetime": "2026-12-01T03:00:00Z",
            "tracking_location": {"city": "HANOI", "country": "VN"},
        }
    )
    assert easypost_post(client, failure).json()["outcome"] == "applied"
    order = order_of(shipment)
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.DELIVERY_FAILED


def test_applying_again_and_dealing_with_need_the_permissions(client):
    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))
    update = TrackingUpdate.objects.get()
    warehouse = user_with_role(WAREHOUSE)

    with pytest.raises(TransitionPermissionDenied):
        update_reapply(update, actor=warehouse)
    with pytest.raises(TransitionPermissionDenied):
        update_resolve(update, actor=warehouse)

    care = user_with_role(CUSTOMER_CARE)
    update_resolve(update, actor=care)
    update.refresh_from_db()
    assert not update.needs_attention
    assert update.resolved_by == care


def test_our_own_carrier_webhook_takes_the_new_statuses(client):
    shipment = shipped_shipment("GHN-OWN-1")

    def post(event_id, status):
        return client.post(
            f"/api/v1/carriers/{shipment.carrier.code}/events/",
            {
                "event_id": event_id,
                "tracking_number": "GHN-OWN-1",
                "status": status,
                "occurred_at": "2026-12-01T10:00:00+07:00",
            },
            content_type="application/json",
            headers={"X-Carrier-Token": shipment.carrier.webhook_secret},
        )

    assert post("e1", TrackingEventStatus.INFO_RECEIVED).status_code == 201
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.CREATED  # info received never moves it
    assert post("e2", TrackingEventStatus.READY_FOR_PICKUP).status_code == 201
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.READY_FOR_PICKUP
    assert order_of(shipment).status == OrderStatus.SHIPPED
    assert post("e3", TrackingEventStatus.EXCEPTION).status_code == 201
    assert order_of(shipment).status == OrderStatus.ON_HOLD
