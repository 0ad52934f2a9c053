"""AfterShip's `tracking_update` webhook: signature and reader.

Signed with `aftership-hmac-sha256`: base64 of the HMAC-SHA256 of the raw body,
keyed with the webhook secret (AfterShip: Settings > Webhooks).

The body is `{event, event_id, is_tracking_first_tag, msg: <Tracking>, ts}`. The
Tracking's fields changed with the webhook versions (header `as-webhook-version`),
and every one from 2024-07 on is read here, whichever the body uses:
- the carrier: `msg.slug` (`courier_code` read too, should a version send it);
- a checkpoint's place: `location`, else `city`, `state`, `zip` (up to 2025-07) or
  `postal_code` (2026-01 on), `country_region_name` / `country_name` /
  `country_region` / `country_iso3`;
- a checkpoint's identity: `hash` (2026-07 on), else its time, place, message and tag;
- the estimate: `latest_estimated_delivery` (`{type, source, datetime, datetime_min,
  datetime_max}`), else `custom_estimated_delivery_date`,
  `aftership_estimated_delivery_date`, `courier_estimated_delivery_date` (each
  `{estimated_delivery_date, ..._min, ..._max}` or `{datetime, ...}`), else the
  older `expected_delivery`;
- `checkpoint_time` with its offset is the local time at the place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from typing import Any

from fulfillment.models import TrackingEventStatus
from fulfillment.services import Scan

from .reading import AggregatorUpdate, UpdateUnreadable, day, json_object, moment, place, text

SIGNATURE_HEADER = "aftership-hmac-sha256"
VERSION_HEADER = "as-webhook-version"
# `edd_revise` carries only a new estimate; `tracking_pending_time` nothing we act on.
TOPIC_UPDATE = "tracking_update"
TOPIC_ESTIMATE = "edd_revise"

TAGS = {
    "InfoReceived": TrackingEventStatus.INFO_RECEIVED,
    "InTransit": TrackingEventStatus.IN_TRANSIT,
    "OutForDelivery": TrackingEventStatus.OUT_FOR_DELIVERY,
    "AttemptFail": TrackingEventStatus.FAILED_ATTEMPT,
    "Delivered": TrackingEventStatus.DELIVERED,
    "AvailableForPickup": TrackingEventStatus.READY_FOR_PICKUP,
    "Exception": TrackingEventStatus.EXCEPTION,
}
# Exception sub-statuses that mean the parcel goes back to the sender.
RETURN_SUBTAGS = frozenset({"Exception_010", "Exception_011"})


def signature_expected(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_valid(secret: str, body: bytes, signature: str) -> bool:
    """AfterShip's signature of `body`, compared in constant time; no secret: never valid."""
    if not secret or not signature:
        return False
    expected = signature_expected(secret, body).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _status(tag: Any, subtag: Any) -> str | None:
    status = TAGS.get(text(tag, 40))
    if status == TrackingEventStatus.EXCEPTION and text(subtag, 40) in RETURN_SUBTAGS:
        return TrackingEventStatus.RETURNED_TO_SENDER
    return status


def _checkpoint(raw: Any) -> Scan | None:
    if not isinstance(raw, dict):
        return None
    when = moment(raw.get("checkpoint_time"))
    if when is None:
        return None
    occurred_at, offset = when
    location = text(raw.get("location"), 200) or place(
        raw.get("city"),
        raw.get("state"),
        raw.get("postal_code") or raw.get("zip"),
        raw.get("country_region_name")
        or raw.get("country_name")
        or raw.get("country_region")
        or raw.get("country_iso3"),
    )
    return Scan(
        # Pending, Expired or a tag added later: a scan on the timeline only.
        status=_status(raw.get("tag"), raw.get("subtag")) or TrackingEventStatus.INFO_RECEIVED,
        occurred_at=occurred_at,
        utc_offset_minutes=offset,
        location=location,
        message=text(raw.get("message")) or text(raw.get("subtag_message")),
        key=text(raw.get("hash"), 200),
    )


def _estimate(msg: dict) -> date | None:
    for name in (
        "latest_estimated_delivery",
        "custom_estimated_delivery_date",
        "aftership_estimated_delivery_date",
        "courier_estimated_delivery_date",
        "first_estimated_delivery",
    ):
        value = msg.get(name)
        if isinstance(value, dict):
            # A range: the customer is told its end, not a day it may well miss.
            for key in (
                "datetime",
                "estimated_delivery_date",
                "datetime_max",
                "estimated_delivery_date_max",
            ):
                found = day(value.get(key))
                if found:
                    return found
        elif value:
            found = day(value)
            if found:
                return found
    return day(msg.get("expected_delivery"))


def update_read(body: bytes) -> AggregatorUpdate:
    """The update in AfterShip's `body`; UpdateUnreadable when it is not its documented shape."""
    try:
        payload = json_object(json.loads(body), "The body")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested deeper than Python's parser goes.
        raise UpdateUnreadable("The body is not JSON.") from None
    event_id = text(payload.get("event_id"), 200)
    if not event_id:
        raise UpdateUnreadable("The body has no event_id.")
    topic = text(payload.get("event"), 60)
    msg = payload.get("msg")
    if topic not in (TOPIC_UPDATE, TOPIC_ESTIMATE):
        tracking_number = text(msg.get("tracking_number"), 100) if isinstance(msg, dict) else ""
        return AggregatorUpdate(
            event_id=event_id, topic=topic, tracking_number=tracking_number, applies=False
        )
    msg = json_object(msg, "msg")
    tracking_number = text(msg.get("tracking_number"), 100)
    if not tracking_number:
        raise UpdateUnreadable("msg has no tracking_number.")
    carrier = text(msg.get("slug"), 64) or text(msg.get("courier_code"), 64)
    estimate = _estimate(msg)
    if topic == TOPIC_ESTIMATE:
        return AggregatorUpdate(
            event_id=event_id,
            topic=topic,
            tracking_number=tracking_number,
            carrier_name=carrier,
            estimated_delivery_date=estimate,
        )
    checkpoints = msg.get("checkpoints") or []
    if not isinstance(checkpoints, list):
        raise UpdateUnreadable("msg.checkpoints is not a list.")
    scans = tuple(scan for scan in map(_checkpoint, checkpoints) if scan is not None)
    return AggregatorUpdate(
        event_id=event_id,
        topic=topic,
        tracking_number=tracking_number,
        carrier_name=carrier,
        status=_status(msg.get("tag"), msg.get("subtag")),
        scans=scans,
        estimated_delivery_date=estimate,
    )
