"""Carrier tracking: scans from our own carrier webhook and from the tracking aggregators.

Both paths have the same consequences for the shipment and the order:
- delivered when every final-leg shipment of the order is delivered;
- a failed attempt, a delivery problem (exception) or a return to sender puts a
  shipped order on hold (`delivery_failed`);
- ready for pickup changes the shipment's status only;
- "info received" is a scan on the timeline; it never moves a shipment back.
Order changes go through `orders.services.order_transition` as the system.
What follows a scan (the customer's "out for delivery" e-mail, the storefront's
webhook) subscribes to `CarrierScanRecorded`.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.events import CarrierScanRecorded, publish
from orders.locking import order_lock, order_rows_lock
from orders.models import HoldReason, Order, OrderEvent, OrderEventType, OrderStatus
from orders.services import order_transition
from shared.errors import OrderValidationError

from ..models import (
    Carrier,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingEventStatus,
    TrackingSource,
)
from .common import shipment_facts

_SHIPMENT_STATUS_OF = {
    TrackingEventStatus.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    TrackingEventStatus.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingEventStatus.DELIVERED: ShipmentStatus.DELIVERED,
    TrackingEventStatus.FAILED_ATTEMPT: ShipmentStatus.FAILED_ATTEMPT,
    TrackingEventStatus.READY_FOR_PICKUP: ShipmentStatus.READY_FOR_PICKUP,
    TrackingEventStatus.EXCEPTION: ShipmentStatus.EXCEPTION,
    TrackingEventStatus.RETURNED_TO_SENDER: ShipmentStatus.RETURNED_TO_SENDER,
}
# The carrier could not deliver: a shipped order waits for staff.
_HOLDING_STATUSES = frozenset(
    {
        TrackingEventStatus.FAILED_ATTEMPT,
        TrackingEventStatus.EXCEPTION,
        TrackingEventStatus.RETURNED_TO_SENDER,
    }
)


def shipment_status_after(current: str, status: str) -> str:
    """The shipment's status once a scan of tracking status `status` is taken in."""
    if current == ShipmentStatus.HANDED_OVER:
        # A late scan of a leg handed over stays on its timeline only.
        return current
    if status == TrackingEventStatus.INFO_RECEIVED:
        # The carrier knows the parcel: nothing the label did not say, never a step back.
        return current
    return _SHIPMENT_STATUS_OF[status]


def carrier_authenticate(*, code: str, token: str) -> Carrier | None:
    """Return the active carrier `code` if `token` is its webhook secret (constant-time check)."""
    carrier = Carrier.objects.filter(code=code, is_active=True).first()
    if carrier is None or not token or not hmac.compare_digest(carrier.webhook_secret, token):
        return None
    return carrier


def tracking_event_record(
    *,
    carrier: Carrier,
    event_id: str,
    tracking_number: str,
    status: str,
    occurred_at: datetime,
    location: str = "",
    message: str = "",
    estimated_delivery_date: date | None = None,
) -> tuple[TrackingEvent, bool]:
    """Record a carrier's tracking event once; return it and whether it was new.

    An `estimated_delivery_date` replaces the shipment's previous estimate: the
    customer's tracking page shows the carrier's latest word.

    When every shipment of the order is delivered the order is delivered; a
    failed attempt, an exception or a return to sender puts a shipped order on
    hold (`delivery_failed`). Both go through the transition service as the system.
    """
    if status not in TrackingEventStatus.values:
        raise OrderValidationError(
            f"Unknown status '{status}'.",
            details={"status": [f"Must be one of: {', '.join(TrackingEventStatus.values)}."]},
        )
    existing = TrackingEvent.objects.filter(carrier=carrier, carrier_event_id=event_id).first()
    if existing is not None:
        return existing, False
    shipment = (
        Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number)
        .select_related("order")
        .first()
    )
    if shipment is None:
        raise OrderValidationError(
            f"No {carrier.name} shipment with tracking number {tracking_number}.",
            details={"tracking_number": ["Unknown for this carrier."]},
        )
    try:
        with transaction.atomic():
            order = order_lock(shipment.order_id)
            # Read again under the lock: a hand-over committed since the read above
            # must not be overwritten by this scan's status.
            shipment = order_rows_lock(order, Shipment.objects.select_related("carrier")).get(
                pk=shipment.pk
            )
            event = TrackingEvent.objects.create(
                carrier=carrier,
                shipment=shipment,
                carrier_event_id=event_id,
                status=status,
                occurred_at=occurred_at,
                location=location,
                message=message,
            )
            shipment.status = shipment_status_after(shipment.status, status)
            if status == TrackingEventStatus.DELIVERED:
                shipment.delivered_at = occurred_at
            if estimated_delivery_date is not None:
                shipment.estimated_delivery_date = estimated_delivery_date
            shipment.save(update_fields=["status", "delivered_at", "estimated_delivery_date"])
            _scan_noted(order, shipment, status=status, location=location, message=message)
            _order_follow_tracking(order, status)
    except IntegrityError:
        # The same event arrived twice at once; the other request recorded it.
        return TrackingEvent.objects.get(carrier=carrier, carrier_event_id=event_id), False
    return event, True


@dataclass(frozen=True)
class Scan:
    """One checkpoint an aggregator reported, in our terms.

    `occurred_at` is aware; `utc_offset_minutes` the local time's offset at the
    scan's place when the aggregator gave one (None: it gave UTC only); `key`
    the aggregator's own id for the checkpoint, when it has one.
    """

    status: str
    occurred_at: datetime
    utc_offset_minutes: int | None = None
    location: str = ""
    message: str = ""
    key: str = ""


@dataclass(frozen=True)
class TrackingReport:
    """What one aggregator update says about one shipment.

    `status`: the shipment's overall status now (a TrackingEventStatus), or None
    when the update carries none we act on (scans and the estimate only).
    """

    source: str
    status: str | None = None
    scans: tuple[Scan, ...] = ()
    estimated_delivery_date: date | None = None


@dataclass(frozen=True)
class TrackingApplied:
    """What applying a report changed."""

    new_scans: int
    status_changed: bool
    estimate_changed: bool
    shipment_status: str

    @property
    def changed(self) -> bool:
        return bool(self.new_scans or self.status_changed or self.estimate_changed)


def scan_event_id(source: str, tracking_number: str, scan: Scan) -> str:
    """The `carrier_event_id` a scan is kept under: the same checkpoint, the same id."""
    basis = scan.key or "|".join(
        (scan.occurred_at.isoformat(), scan.location, scan.message, scan.status)
    )
    digest = hashlib.sha1(f"{tracking_number}|{basis}".encode(), usedforsecurity=False)
    return f"{source}:{digest.hexdigest()}"


def shipment_tracking_apply(*, shipment: Shipment | int, report: TrackingReport) -> TrackingApplied:
    """Take in an aggregator's update of `shipment`: its new scans, its status, its estimate.

    Each checkpoint not seen before becomes one scan (a repeat, or the same
    checkpoints under another event id, adds none). The shipment's status
    follows the update's overall status, unless the update is older than what
    the shipment has seen already from the same aggregator (its latest
    checkpoint is earlier than the latest scan that aggregator gave us):
    aggregators do not promise the order of their webhooks. A status change is
    noted on the order and published once (`CarrierScanRecorded`), whatever
    number of old checkpoints came with it, so the customer gets one e-mail; so
    is a new checkpoint of the same problem (a second failed attempt). The order
    then follows as with our own carrier webhook. All under the order's lock, in
    one transaction.
    """
    if report.status is not None and report.status not in TrackingEventStatus.values:
        raise OrderValidationError(f"Unknown status '{report.status}'.")
    shipment_id = shipment.pk if isinstance(shipment, Shipment) else shipment
    with transaction.atomic():
        order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
        order = order_lock(order_id)
        shipment = order_rows_lock(order, Shipment.objects.select_related("carrier")).get(
            pk=shipment_id
        )
        known = list(
            TrackingEvent.objects.filter(shipment=shipment).values_list(
                "carrier_event_id", "occurred_at", "location", "message", "source"
            )
        )
        # Late only against this aggregator's own checkpoints: scans from elsewhere (our
        # carrier webhook, another aggregator, the demo) keep their own clocks and order.
        latest_seen = max((row[1] for row in known if row[4] == report.source), default=None)
        known_ids = {row[0] for row in known}
        known_content = {(row[1], row[2], row[3]) for row in known}
        new_events = []
        for scan in sorted(report.scans, key=lambda scan: scan.occurred_at):
            event_id = scan_event_id(report.source, shipment.tracking_number, scan)
            location, message = scan.location[:200], scan.message[:500]
            content = (scan.occurred_at, location, message)
            if event_id in known_ids or content in known_content:
                continue
            known_ids.add(event_id)
            known_content.add(content)
            new_events.append(
                TrackingEvent(
                    carrier=shipment.carrier,
                    shipment=shipment,
                    carrier_event_id=event_id,
                    status=scan.status,
                    occurred_at=scan.occurred_at,
                    location=location,
                    message=message,
                    utc_offset_minutes=scan.utc_offset_minutes,
                    source=report.source,
                )
            )
        TrackingEvent.objects.bulk_create(new_events)

        latest = max(report.scans, key=lambda scan: scan.occurred_at, default=None)
        stale = latest is not None and latest_seen is not None and latest.occurred_at < latest_seen
        status_changed = False
        if report.status is not None and not stale:
            status = shipment_status_after(shipment.status, report.status)
            if shipment.status == ShipmentStatus.DELIVERED and status not in (
                ShipmentStatus.DELIVERED,
                ShipmentStatus.RETURNED_TO_SENDER,
            ):
                status = shipment.status  # a delivered parcel does not go back on the road
            if status != shipment.status:
                status_changed = True
                shipment.status = status
                if status == ShipmentStatus.DELIVERED:
                    delivered = [
                        scan.occurred_at
                        for scan in report.scans
                        if scan.status == TrackingEventStatus.DELIVERED
                    ]
                    shipment.delivered_at = max(delivered, default=None) or (
                        latest.occurred_at if latest else timezone.now()
                    )
        # A new checkpoint of the same problem (a second failed attempt after staff
        # released the order) is news as our own carrier webhook's scan is: noted, and a
        # shipped order held again. The same checkpoints sent again are not new.
        problem_again = (
            not status_changed
            and not stale
            and report.status in _HOLDING_STATUSES
            and shipment.status == _SHIPMENT_STATUS_OF[report.status]
            and any(event.status == report.status for event in new_events)
        )
        estimate_changed = (
            report.estimated_delivery_date is not None
            and report.estimated_delivery_date != shipment.estimated_delivery_date
            and shipment.status != ShipmentStatus.DELIVERED
        )
        if estimate_changed:
            shipment.estimated_delivery_date = report.estimated_delivery_date
        if status_changed or estimate_changed:
            shipment.save(update_fields=["status", "delivered_at", "estimated_delivery_date"])
        if status_changed or problem_again:
            _scan_noted(
                order,
                shipment,
                status=report.status,
                location=latest.location if latest else "",
                message=latest.message if latest else "",
                source=report.source,
            )
            _order_follow_tracking(order, report.status)
    return TrackingApplied(
        new_scans=len(new_events),
        status_changed=status_changed,
        estimate_changed=estimate_changed,
        shipment_status=shipment.status,
    )


def _scan_noted(
    order: Order,
    shipment: Shipment,
    *,
    status: str,
    location: str,
    message: str,
    source: str = TrackingSource.CARRIER,
) -> None:
    """Note a scan on the order's history (staff only) and publish it once."""
    through = "" if source == TrackingSource.CARRIER else f" (via {TrackingSource(source).label})"
    OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.CARRIER_SCAN,
        note=f"{shipment.carrier.name} {shipment.tracking_number}{through}: "
        f"{shipment.get_status_display()}"
        + (f" at {location}" if location else "")
        + (f" ({message})" if message else ""),
        customer_visible=False,
        data={"shipment": shipment.pk, "tracking_status": status, "source": source},
    )
    publish(
        CarrierScanRecorded(
            order=order,
            shipment=shipment_facts(shipment),
            status=status,
            location=location,
            message=message,
        )
    )


def _order_follow_tracking(order: Order, status: str) -> None:
    """Move the order as its shipments' tracking says, through the transition service."""
    if status == TrackingEventStatus.DELIVERED:
        # A leg handed over to a last-mile carrier is finished by its next leg.
        final_legs = order.shipments.exclude(status=ShipmentStatus.HANDED_OVER)
        all_delivered = not final_legs.exclude(status=ShipmentStatus.DELIVERED).exists()
        if not all_delivered:
            return
        if (
            order.status == OrderStatus.ON_HOLD
            and order.held_from_status == OrderStatus.SHIPPED
            and order.hold_reason == HoldReason.DELIVERY_FAILED
        ):
            order = order_transition(
                order=order, transition="release", actor=None, note="Delivered after all."
            )
        if order.status == OrderStatus.SHIPPED:
            order_transition(order=order, transition="deliver", actor=None)
    elif status in _HOLDING_STATUSES and order.status == OrderStatus.SHIPPED:
        order_transition(
            order=order,
            transition="hold",
            actor=None,
            reason=HoldReason.DELIVERY_FAILED,
            note=f"Carrier reported: {status}.",
        )
