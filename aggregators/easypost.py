"""EasyPost's `tracker.updated` events: signature and reader.

Signed with `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`,
keyed with the webhook secret normalised to Unicode NFKD (as EasyPost's own
libraries check it).

The body is an Event `{id: "evt_...", object: "Event", description:
"tracker.updated", result: <Tracker>}`; the Tracker has `tracking_code`,
`carrier`, `status`, `status_detail`, `est_delivery_date` and `tracking_details`
`[{message, status, status_detail, datetime, source, tracking_location: {city,
state, country, zip}}]`. EasyPost gives a detail's time with the place's offset
when it knows the place, else in UTC (then the scan has no local offset).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from typing import Any

from fulfillment.models import TrackingEventStatus
from fulfillment.services import Scan

from .reading import AggregatorUpdate, UpdateUnreadable, day, json_object, moment, place, text

SIGNATURE_HEADER = "X-Hmac-Signature"
SIGNATURE_PREFIX = "hmac-sha256-hex="
TOPICS = frozenset({"tracker.updated", "tracker.created"})

STATUSES = {
    # Label made, or the carrier knows nothing yet: a scan on the timeline only.
    "pre_transit": TrackingEventStatus.INFO_RECEIVED,
    "unknown": TrackingEventStatus.INFO_RECEIVED,
    "in_transit": TrackingEventStatus.IN_TRANSIT,
    "out_for_delivery": TrackingEventStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingEventStatus.DELIVERED,
    "available_for_pickup": TrackingEventStatus.READY_FOR_PICKUP,
    "return_to_sender": TrackingEventStatus.RETURNED_TO_SENDER,
    # The carrier could not deliver (refused, damaged, lost...): the order is held.
    "failure": TrackingEventStatus.EXCEPTION,
}
# A tracker "error" (or "cancelled") is about EasyPost's tracking, not the parcel:
# the order is not held for it; staff see it on the update.
NOT_ABOUT_THE_PARCEL = frozenset({"error", "cancelled"})


def signature_expected(secret: str, body: bytes) -> str:
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return SIGNATURE_PREFIX + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, signature: str) -> bool:
    """EasyPost's signature of `body`, compared in constant time; no secret: never valid."""
    if not secret or not signature:
        return False
    expected = signature_expected(secret, body).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _detail(raw: Any) -> Scan | None:
    if not isinstance(raw, dict):
        return None
    status = STATUSES.get(text(raw.get("status"), 40))
    when = moment(raw.get("datetime"))
    if status is None or when is None:
        return None
    location = raw.get("tracking_location")
    location = location if isinstance(location, dict) else {}
    return Scan(
        status=status,
        occurred_at=when[0],
        # EasyPost gives the place's own offset when it knows the place; otherwise UTC
        # ("...Z"), and the local time is unknown (the page shows the shop's time zone).
        utc_offset_minutes=when[1] or None,
        location=place(
            location.get("city"),
            location.get("state"),
            location.get("zip"),
            location.get("country"),
        ),
        message=text(raw.get("message")),
    )


def update_read(body: bytes) -> AggregatorUpdate:
    """The update in EasyPost's Event `body`; UpdateUnreadable when it is not that shape."""
    try:
        payload = json_object(json.loads(body), "The body")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than Python's parser goes.
        raise UpdateUnreadable("The body is not JSON.") from None
    event_id = text(payload.get("id"), 200)
    if not event_id:
        raise UpdateUnreadable("The event has no id.")
    topic = text(payload.get("description"), 60)
    result = payload.get("result")
    if topic not in TOPICS:
        tracking_number = text(result.get("tracking_code"), 100) if isinstance(result, dict) else ""
        return AggregatorUpdate(
            event_id=event_id, topic=topic, tracking_number=tracking_number, applies=False
        )
    tracker = json_object(result, "result")
    tracking_number = text(tracker.get("tracking_code"), 100)
    if not tracking_number:
        raise UpdateUnreadable("result has no tracking_code.")
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise UpdateUnreadable("result.tracking_details is not a list.")
    overall = text(tracker.get("status"), 40)
    note = ""
    if overall in NOT_ABOUT_THE_PARCEL:
        note = f"EasyPost reports the tracker as {overall}" + (
            f" ({text(tracker.get('status_detail'), 60)})" if tracker.get("status_detail") else ""
        )
    return AggregatorUpdate(
        event_id=event_id,
        topic=topic,
        tracking_number=tracking_number,
        carrier_name=text(tracker.get("carrier"), 64),
        status=STATUSES.get(overall),
        scans=tuple(scan for scan in map(_detail, details) if scan is not None),
        estimated_delivery_date=day(tracker.get("est_delivery_date")),
        note=note,
    )
