"""The readers understand every documented AfterShip webhook version and EasyPost's Event."""

import json
from datetime import UTC, date, datetime

import pytest

from aggregators import aftership, easypost
from aggregators.reading import UpdateUnreadable
from fulfillment.models import TrackingEventStatus

from .conftest import AFTERSHIP_VERSIONS, as_bytes, payload


@pytest.mark.parametrize("version", AFTERSHIP_VERSIONS)
def test_every_aftership_version_reads_the_same_update(version):
    update = aftership.update_read(as_bytes(payload(f"aftership_{version}_tracking_update.json")))

    assert update.topic == "tracking_update"
    assert update.applies
    assert update.tracking_number == "GHNAS0000001"
    assert update.carrier_name == "ghn"
    assert update.status == TrackingEventStatus.IN_TRANSIT
    assert [scan.status for scan in update.scans] == [
        TrackingEventStatus.INFO_RECEIVED,
        TrackingEventStatus.IN_TRANSIT,
    ]
    picked_up = update.scans[1]
    assert picked_up.occurred_at == datetime(2026, 11, 30, 5, 5, tzinfo=UTC)
    assert picked_up.utc_offset_minutes == 7 * 60
    assert picked_up.message == "Picked up by the courier"
    assert "Hồ Chí Minh" in picked_up.location
    assert update.estimated_delivery_date == date(2026, 12, 3)


def test_a_checkpoint_without_location_is_placed_by_its_parts_with_zip_or_postal_code():
    old = aftership.update_read(as_bytes(payload("aftership_2024-07_tracking_update.json")))
    body = payload("aftership_2026-01_tracking_update.json")
    for checkpoint in body["msg"]["checkpoints"]:
        checkpoint["location"] = None
    new = aftership.update_read(as_bytes(body))

    assert old.scans[0].location == "Hồ Chí Minh, 700000, Vietnam"
    assert new.scans[0].location == "Hồ Chí Minh, 700000, Vietnam"


def test_the_2026_07_checkpoint_hash_is_the_scans_identity():
    hashed = aftership.update_read(as_bytes(payload("aftership_2026-07_tracking_update.json")))
    older = aftership.update_read(as_bytes(payload("aftership_2026-01_tracking_update.json")))

    assert hashed.scans[0].key == "9c1f5e1e0b7a4c61a4a0f3d2e8b7c6a1"
    assert older.scans[0].key == ""


def test_a_range_estimate_gives_its_last_day():
    update = aftership.update_read(as_bytes(payload("aftership_2025-04_tracking_update.json")))

    assert update.estimated_delivery_date == date(2026, 12, 3)  # datetime_max


def test_the_older_expected_delivery_is_read_too():
    body = payload("aftership_2024-07_tracking_update.json")
    body["msg"]["courier_estimated_delivery_date"] = None
    body["msg"]["expected_delivery"] = "2026-12-06"

    assert aftership.update_read(as_bytes(body)).estimated_delivery_date == date(2026, 12, 6)


@pytest.mark.parametrize(
    ("tag", "subtag", "status"),
    [
        ("InTransit", "InTransit_001", TrackingEventStatus.IN_TRANSIT),
        ("OutForDelivery", "OutForDelivery_001", TrackingEventStatus.OUT_FOR_DELIVERY),
        ("AttemptFail", "AttemptFail_001", TrackingEventStatus.FAILED_ATTEMPT),
        ("Delivered", "Delivered_001", TrackingEventStatus.DELIVERED),
        ("Exception", "Exception_004", TrackingEventStatus.EXCEPTION),
        ("Exception", "Exception_011", TrackingEventStatus.RETURNED_TO_SENDER),
        ("AvailableForPickup", "AvailableForPickup_001", TrackingEventStatus.READY_FOR_PICKUP),
        ("InfoReceived", "InfoReceived_001", TrackingEventStatus.INFO_RECEIVED),
        ("Pending", "Pending_001", None),
        ("Expired", "Expired_001", None),
    ],
)
def test_aftership_tags_map_to_our_statuses(tag, subtag, status):
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["tag"], body["msg"]["subtag"] = tag, subtag

    assert aftership.update_read(as_bytes(body)).status == status


def test_other_aftership_topics_are_read_but_not_applied():
    body = payload("aftership_2026-07_tracking_update.json")
    body["event"] = "tracking_pending_time"

    update = aftership.update_read(as_bytes(body))

    assert not update.applies
    assert update.tracking_number == "GHNAS0000001"


def test_the_easypost_event_reads_in_utc():
    update = easypost.update_read(as_bytes(payload("easypost_tracker_updated.json")))

    assert update.event_id == "evt_3f0a2b9c8d7e4f61a5b4c3d2e1f0a9b8"
    assert update.topic == "tracker.updated"
    assert update.tracking_number == "1234567890"
    assert update.carrier_name == "DHLExpress"
    assert update.status == TrackingEventStatus.IN_TRANSIT
    assert [scan.status for scan in update.scans] == [
        TrackingEventStatus.INFO_RECEIVED,
        TrackingEventStatus.IN_TRANSIT,
    ]
    arrived = update.scans[1]
    assert arrived.occurred_at == datetime(2026, 11, 30, 5, 4, tzinfo=UTC)
    assert arrived.utc_offset_minutes is None
    assert arrived.location == "HO CHI MINH CITY, 700000, VN"
    assert update.estimated_delivery_date == date(2026, 12, 4)


def test_an_easypost_detail_placed_by_easypost_keeps_its_local_time():
    body = payload("easypost_tracker_updated.json")
    body["result"]["tracking_details"][1]["datetime"] = "2026-11-30T12:04:00+07:00"

    arrived = easypost.update_read(as_bytes(body)).scans[1]

    assert arrived.occurred_at == datetime(2026, 11, 30, 5, 4, tzinfo=UTC)
    assert arrived.utc_offset_minutes == 7 * 60


@pytest.mark.parametrize(
    ("status", "ours"),
    [
        ("pre_transit", TrackingEventStatus.INFO_RECEIVED),
        ("unknown", TrackingEventStatus.INFO_RECEIVED),
        ("out_for_delivery", TrackingEventStatus.OUT_FOR_DELIVERY),
        ("delivered", TrackingEventStatus.DELIVERED),
        ("available_for_pickup", TrackingEventStatus.READY_FOR_PICKUP),
        ("failure", TrackingEventStatus.EXCEPTION),
        ("return_to_sender", TrackingEventStatus.RETURNED_TO_SENDER),
        ("error", None),
    ],
)
def test_easypost_statuses_map_to_ours(status, ours):
    body = payload("easypost_tracker_updated.json")
    body["result"]["status"] = status

    update = easypost.update_read(as_bytes(body))

    assert update.status == ours
    assert bool(update.note) == (status == "error")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b"{}",
        b'{"event_id": "x", "event": "tracking_update", "msg": []}',
        json.dumps({"event_id": "x", "event": "tracking_update", "msg": {}}).encode(),
        b"[" * 100_000 + b"]" * 100_000,  # deeper than Python's JSON parser goes
    ],
)
def test_odd_aftership_bodies_are_unreadable_not_errors(body):
    with pytest.raises(UpdateUnreadable):
        aftership.update_read(body)


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"[]",
        b'{"id": "evt_1", "description": "tracker.updated", "result": null}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_odd_easypost_bodies_are_unreadable_not_errors(body):
    with pytest.raises(UpdateUnreadable):
        easypost.update_read(body)


def test_a_checkpoint_time_without_an_offset_is_the_wall_clock_time_in_the_shops_time_zone(
    settings,
):
    """AfterShip passes on the courier's local time as written; read in the shop's zone, the
    tracking page shows it as the courier wrote it, not shifted by seven hours."""
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["checkpoints"][-1]["checkpoint_time"] = "2026-12-02T10:05:00"

    update = aftership.update_read(as_bytes(body))

    scan = update.scans[-1]
    assert scan.occurred_at == datetime(2026, 12, 2, 3, 5, tzinfo=UTC)
    assert scan.utc_offset_minutes is None
