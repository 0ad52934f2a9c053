"""An aggregator's webhook: signature on the raw body, stored, then applied at once.

Order of work (DESIGN.md "Carriers through aggregators, labels and scanning"):
1. the signature, on the bytes as received, before anything is parsed or
   written (`aftership.signature_valid`, `easypost.signature_valid`); wrong or
   missing: `UpdateNotAuthenticated`, nothing kept;
2. stored as a `TrackingUpdate` under its event id; an event id seen before is a
   repeat: nothing is stored or applied again;
3. applied in its own transaction: the shipment found (`matching`), its scans,
   status and estimate taken in (`fulfillment.services.shipment_tracking_apply`).
   An unknown tracking number is kept as unmatched, a body not in the
   aggregator's shape as failed, both for staff; the aggregator gets its 200
   all the same (it would retry the same bytes for days).
Applying is synchronous: it is a few rows under one order's lock, and the
aggregators send one event per change.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment.services import TrackingReport, shipment_tracking_apply
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import OrderError

from .. import aftership, easypost
from ..matching import shipment_match
from ..models import Aggregator, TrackingUpdate, UpdateOutcome
from ..reading import AggregatorUpdate, UpdateUnreadable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Scheme:
    signature_header: str
    secret_setting: str
    signature_valid: Callable[[str, bytes, str], bool]
    update_read: Callable[[bytes], AggregatorUpdate]


SCHEMES = {
    Aggregator.AFTERSHIP: _Scheme(
        aftership.SIGNATURE_HEADER,
        "AFTERSHIP_WEBHOOK_SECRET",
        aftership.signature_valid,
        aftership.update_read,
    ),
    Aggregator.EASYPOST: _Scheme(
        easypost.SIGNATURE_HEADER,
        "EASYPOST_WEBHOOK_SECRET",
        easypost.signature_valid,
        easypost.update_read,
    ),
}
# The headers kept with an update, for staff: never the signature, cookies or credentials.
_KEPT_HEADERS = frozenset(
    {"content-type", "content-length", "user-agent", aftership.VERSION_HEADER}
)


class UpdateNotAuthenticated(Exception):
    """A missing or wrong signature (or no secret configured): nothing is kept."""


@dataclass(frozen=True)
class Receipt:
    """What receiving did: "stored" or "repeat" (the event id was seen before)."""

    status: str
    update: TrackingUpdate


def _headers_kept(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower(): str(value)[:500]
        for name, value in headers.items()
        if name.lower() in _KEPT_HEADERS
    }


def update_receive(*, aggregator: str, headers: Mapping[str, str], body: bytes) -> Receipt:
    """Check, store and apply one webhook event from `aggregator` (AfterShip or EasyPost)."""
    scheme = SCHEMES[aggregator]
    secret = getattr(settings, scheme.secret_setting, "")
    if not scheme.signature_valid(secret, body, headers.get(scheme.signature_header, "")):
        raise UpdateNotAuthenticated(f"Missing or wrong {scheme.signature_header} signature.")
    return update_record(aggregator=aggregator, headers=headers, body=body)


def update_record(*, aggregator: str, headers: Mapping[str, str], body: bytes) -> Receipt:
    """Store and apply an event whose signature the caller checked (or made: the demo)."""
    scheme = SCHEMES[aggregator]
    try:
        read = scheme.update_read(body)
        event_id, error = read.event_id, ""
    except UpdateUnreadable as unreadable:
        read, error = None, str(unreadable)
        # Kept under the body's digest: the same bytes sent again are a repeat.
        event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            update = TrackingUpdate.objects.create(
                aggregator=aggregator,
                event_id=event_id,
                topic=read.topic if read else "",
                tracking_number=read.tracking_number if read else "",
                carrier_name=read.carrier_name if read else "",
                headers=_headers_kept(headers),
                # PostgreSQL text has no NUL.
                raw_body=body.decode("utf-8", "replace").replace("\x00", "\ufffd"),
                outcome=UpdateOutcome.FAILED if read is None else UpdateOutcome.RECEIVED,
                error=error,
                needs_attention=read is None,
            )
    except IntegrityError:
        existing = TrackingUpdate.objects.get(aggregator=aggregator, event_id=event_id)
        return Receipt("repeat", existing)
    if read is not None:
        update = _apply(update, read)
    return Receipt("stored", update)


def update_apply(update: TrackingUpdate) -> TrackingUpdate:
    """Apply a stored update (again) from its stored body; its outcome says what happened."""
    try:
        read = SCHEMES[update.aggregator].update_read(update.raw_body.encode("utf-8"))
    except UpdateUnreadable as unreadable:
        return _finish(update, UpdateOutcome.FAILED, str(unreadable))
    return _apply(update, read)


def _apply(update: TrackingUpdate, read: AggregatorUpdate) -> TrackingUpdate:
    update.topic = read.topic
    update.tracking_number = read.tracking_number
    update.carrier_name = read.carrier_name
    if not read.applies:
        return _finish(update, UpdateOutcome.IGNORED, f"Topic '{read.topic}' is not applied.")
    match = shipment_match(
        aggregator=update.aggregator,
        tracking_number=read.tracking_number,
        carrier_name=read.carrier_name,
    )
    if match.shipment is None:
        update.shipment = None
        return _finish(update, UpdateOutcome.UNMATCHED, match.reason)
    update.shipment = match.shipment
    report = TrackingReport(
        source=update.aggregator,
        status=read.status,
        scans=read.scans,
        estimated_delivery_date=read.estimated_delivery_date,
    )
    try:
        applied = shipment_tracking_apply(shipment=match.shipment, report=report)
    except OrderError as refused:
        return _finish(update, UpdateOutcome.FAILED, refused.message)
    except Exception as failure:
        # Kept and answered 200 all the same: the aggregator would send the same bytes
        # again for days; staff apply it again once the cause is fixed.
        logger.exception("tracking update %s could not be applied", update.pk)
        return _finish(update, UpdateOutcome.FAILED, f"Could not be applied: {failure!r}")
    # Applied again with nothing new, an update that was applied before stays "applied":
    # what it changed then is still its doing (staff read the outcome as what it did).
    was_applied = update.outcome == UpdateOutcome.APPLIED
    outcome = UpdateOutcome.APPLIED if applied.changed or was_applied else UpdateOutcome.IGNORED
    note = " ".join(filter(None, (read.note, match.reason)))
    if note:
        # Taken in; what it said about the status or the carrier is for staff to look at.
        return _finish(update, outcome, note, attention=True)
    return _finish(
        update,
        outcome,
        "" if applied.changed else "Nothing new: every checkpoint was known already.",
    )


def _finish(
    update: TrackingUpdate, outcome: str, error: str, *, attention: bool | None = None
) -> TrackingUpdate:
    update.outcome = outcome
    update.error = error
    update.attempts += 1
    update.applied_at = timezone.now()
    update.needs_attention = (
        attention
        if attention is not None
        else outcome in (UpdateOutcome.UNMATCHED, UpdateOutcome.FAILED)
    )
    if update.needs_attention:
        update.resolved_at, update.resolved_by = None, None
    update.save(
        update_fields=[
            "topic",
            "tracking_number",
            "carrier_name",
            "shipment",
            "outcome",
            "error",
            "attempts",
            "applied_at",
            "needs_attention",
            "resolved_at",
            "resolved_by",
        ]
    )
    return update


def update_reapply(update: TrackingUpdate, *, actor: Actor) -> TrackingUpdate:
    """Apply a stored update again (staff, e.g. once the shipment exists)."""
    permission_require(actor, "aggregators.reapply_trackingupdate", "apply tracking updates again")
    return update_apply(update)


def update_resolve(update: TrackingUpdate, *, actor: Actor) -> TrackingUpdate:
    """Mark an update needing attention as dealt with by `actor`."""
    permission_require(actor, "aggregators.change_trackingupdate", "deal with tracking updates")
    update.needs_attention = False
    update.resolved_at = timezone.now()
    update.resolved_by = actor_or_none(actor)
    update.save(update_fields=["needs_attention", "resolved_at", "resolved_by"])
    return update
