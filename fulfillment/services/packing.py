"""Packing, shipments and carrier tracking. Order status changes go through orders.services.

What follows a package, a shipment or a carrier scan (ledger costs, the
storefront's webhook, the customer's e-mail) subscribes to the events these
services publish (orders.events).
"""

import hmac
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from orders.events import (
    CarrierScanRecorded,
    PackageCreated,
    ShipmentCreated,
    ShipmentFacts,
    publish,
)
from orders.locking import order_lock, order_rows_lock
from orders.models import (
    HoldReason,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from orders.services import order_transition
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
)

from ..models import (
    Carrier,
    Package,
    PackageLine,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingEventStatus,
)
from ..selectors import order_unpacked_quantities
from .common import order_changed


def package_create(
    *,
    order: Order | int,
    lines: list[dict[str, Any]],
    weight_grams: int,
    actor: Actor,
    length_mm: int | None = None,
    width_mm: int | None = None,
    height_mm: int | None = None,
    expected_version: int | None = None,
) -> Package:
    """Pack some of an order's quantities into a new package while the order is being packed.

    `expected_version`: the order's version the packer saw; another is refused (412).
    """
    permission_require(actor, "fulfillment.add_package", "pack orders")
    if not lines:
        raise OrderValidationError(
            "Name what goes into the package.",
            details={"lines": ["This list may not be empty."]},
        )
    if not isinstance(weight_grams, int) or weight_grams <= 0:
        raise OrderValidationError(
            "A package needs its weight in grams.",
            details={"weight_grams": ["Must be a whole number above 0."]},
        )
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        if locked.status != OrderStatus.PACKING:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.status}; packages are made while it is packing.",
                details={"status": locked.status},
            )
        unpacked = order_unpacked_quantities(locked)
        order_lines = {line.sku: line for line in locked.lines.all()}
        errors: dict[str, list[str]] = {}
        wanted: dict[str, int] = {}
        for index, line in enumerate(lines):
            sku, quantity = line.get("sku"), line.get("quantity")
            if sku not in order_lines:
                errors[f"lines[{index}].sku"] = [f"Order {locked.number} has no SKU '{sku}'."]
            elif not isinstance(quantity, int) or quantity <= 0:
                errors[f"lines[{index}].quantity"] = ["Must be a whole number above 0."]
            else:
                wanted[sku] = wanted.get(sku, 0) + quantity
                if wanted[sku] > unpacked.get(sku, 0):
                    errors[f"lines[{index}].quantity"] = [
                        f"Only {unpacked.get(sku, 0)} x {sku} is left to pack."
                    ]
        if errors:
            raise OrderValidationError("Some lines cannot go into this package.", details=errors)
        package = Package.objects.create(
            order=locked,
            weight_grams=weight_grams,
            length_mm=length_mm,
            width_mm=width_mm,
            height_mm=height_mm,
            packed_by=actor_or_none(actor),
        )
        PackageLine.objects.bulk_create(
            PackageLine(package=package, order_line=order_lines[sku], quantity=quantity)
            for sku, quantity in wanted.items()
        )
        contents = ", ".join(f"{quantity} x {sku}" for sku, quantity in wanted.items())
        order_changed(
            locked,
            actor=actor,
            note=f"Package #{package.pk} packed ({weight_grams} g): {contents}.",
            data={"package": package.pk},
            event_type=OrderEventType.PACKAGE_PACKED,
        )
        publish(PackageCreated(order=locked, package_id=package.pk, weight_grams=weight_grams))
    return package


def _shipment_insert(*, carrier: Carrier, tracking_number: str, **fields: Any) -> Shipment:
    """Create a shipment, refusing a tracking number the carrier already has (409)."""
    try:
        with transaction.atomic():
            return Shipment.objects.create(
                carrier=carrier, tracking_number=tracking_number, **fields
            )
    except IntegrityError:
        raise OrderConflict(
            f"{carrier.name} tracking number {tracking_number} is already used.",
            details={"tracking_number": ["Already used for this carrier."]},
        ) from None


def shipment_hand_over(
    *,
    order: Order | int,
    previous_leg_id: int,
    carrier_code: str,
    tracking_number: str,
    actor: Actor,
) -> Shipment:
    """Continue a line-haul shipment with a last-mile carrier under its own tracking number.

    The packages move to the new leg; the old leg is marked handed over and no
    longer counts when deciding whether every shipment of the order is delivered.
    """
    permission_require(actor, "fulfillment.add_shipment", "book shipments")
    tracking_number = (tracking_number or "").strip()
    carrier = Carrier.objects.filter(code=carrier_code, is_active=True).first()
    errors: dict[str, list[str]] = {}
    if carrier is None:
        errors["carrier"] = [f"No active carrier with code '{carrier_code}'."]
    if not tracking_number:
        errors["tracking_number"] = ["This field is required."]
    if errors:
        raise OrderValidationError("The hand-over is incomplete.", details=errors)
    with transaction.atomic():
        locked = order_lock(order, actor=actor)
        previous = (
            order_rows_lock(locked, Shipment.objects.select_related("carrier"))
            .filter(pk=previous_leg_id)
            .first()
        )
        if previous is None:
            raise OrderValidationError(
                "No such shipment on this order.",
                details={"previous_leg": [f"Shipment {previous_leg_id} is not this order's."]},
            )
        if Shipment.objects.filter(previous_leg=previous).exists() or previous.status in (
            ShipmentStatus.DELIVERED,
            ShipmentStatus.RETURNED_TO_SENDER,
        ):
            raise InvalidTransition(
                f"Shipment {previous} is {previous.get_status_display().lower()}; "
                "it cannot be handed over again.",
                details={"previous_leg": previous.pk},
            )
        leg = _shipment_insert(
            order=locked,
            carrier=carrier,
            tracking_number=tracking_number,
            previous_leg=previous,
            status=ShipmentStatus.IN_TRANSIT,
            created_by=actor_or_none(actor),
        )
        weight = previous.packages.aggregate(total=Sum("weight_grams"))["total"] or 0
        previous.packages.update(shipment=leg)
        previous.status = ShipmentStatus.HANDED_OVER
        previous.save(update_fields=["status"])
        order_changed(
            locked,
            actor=actor,
            note=f"Shipment {previous} handed over to {carrier.code} {tracking_number}.",
            data={"shipment": leg.pk, "previous_leg": previous.pk},
            event_type=OrderEventType.SHIPMENT_HANDED_OVER,
        )
        publish(
            ShipmentCreated(
                order=locked,
                shipment=_shipment_facts(leg),
                weight_grams=weight,
                previous_leg_id=previous.pk,
            )
        )
    return leg


def shipment_create(
    *,
    order: Order | int,
    carrier_code: str,
    tracking_number: str,
    package_ids: list[int],
    actor: Actor,
    expected_version: int | None = None,
) -> Shipment:
    """Hand some of an order's packages to a carrier under one tracking number.

    `expected_version`: the order's version the page showed; another is refused (412).
    """
    permission_require(actor, "fulfillment.add_shipment", "book shipments")
    tracking_number = (tracking_number or "").strip()
    errors: dict[str, list[str]] = {}
    carrier = Carrier.objects.filter(code=carrier_code, is_active=True).first()
    if carrier is None:
        errors["carrier"] = [f"No active carrier with code '{carrier_code}'."]
    if not tracking_number:
        errors["tracking_number"] = ["This field is required."]
    if not package_ids:
        errors["packages"] = ["Name at least one package."]
    if errors:
        raise OrderValidationError("The shipment is incomplete.", details=errors)
    with transaction.atomic():
        locked = order_lock(order, actor=actor, expected_version=expected_version)
        if locked.status not in (OrderStatus.PACKING, OrderStatus.READY_TO_SHIP):
            raise InvalidTransition(
                f"Order {locked.number} is {locked.status}; shipments are booked once it is "
                "packing or ready to ship.",
                details={"status": locked.status},
            )
        packages = list(order_rows_lock(locked, Package.objects.filter(pk__in=package_ids)))
        found = {package.pk for package in packages}
        missing = [pk for pk in package_ids if pk not in found]
        taken = [package.pk for package in packages if package.shipment_id]
        if missing or taken:
            raise OrderValidationError(
                "Some packages cannot go into this shipment.",
                details={
                    "packages": [f"Package #{pk} is not a package of this order." for pk in missing]
                    + [f"Package #{pk} is already in a shipment." for pk in taken]
                },
            )
        shipment = _shipment_insert(
            order=locked,
            carrier=carrier,
            tracking_number=tracking_number,
            created_by=actor_or_none(actor),
        )
        Package.objects.filter(pk__in=found).update(shipment=shipment)
        order_changed(
            locked,
            actor=actor,
            note=f"Shipment {carrier.code} {tracking_number} booked for packages "
            + ", ".join(f"#{pk}" for pk in sorted(found))
            + ".",
            data={"shipment": shipment.pk},
            event_type=OrderEventType.SHIPMENT_BOOKED,
        )
        publish(
            ShipmentCreated(
                order=locked,
                shipment=_shipment_facts(shipment),
                weight_grams=sum(package.weight_grams for package in packages),
            )
        )
    return shipment


def _shipment_facts(shipment: Shipment) -> ShipmentFacts:
    """What the order event seam says about `shipment` as it is now."""
    return ShipmentFacts(
        id=shipment.pk,
        carrier_id=shipment.carrier_id,
        carrier_code=shipment.carrier.code,
        carrier_name=shipment.carrier.name,
        tracking_number=shipment.tracking_number,
        tracking_url=shipment.tracking_url,
        status=shipment.status,
    )


_SHIPMENT_STATUS_OF = {
    TrackingEventStatus.IN_TRANSIT: ShipmentStatus.IN_TRANSIT,
    TrackingEventStatus.OUT_FOR_DELIVERY: ShipmentStatus.OUT_FOR_DELIVERY,
    TrackingEventStatus.DELIVERED: ShipmentStatus.DELIVERED,
    TrackingEventStatus.FAILED_ATTEMPT: ShipmentStatus.FAILED_ATTEMPT,
    TrackingEventStatus.RETURNED_TO_SENDER: ShipmentStatus.RETURNED_TO_SENDER,
}


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
    failed attempt or a return to sender puts a shipped order on hold
    (`delivery_failed`). Both go through the transition service as the system.
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
            # A late scan of a leg already handed over stays on its timeline only.
            if shipment.status != ShipmentStatus.HANDED_OVER:
                shipment.status = _SHIPMENT_STATUS_OF[status]
            if status == TrackingEventStatus.DELIVERED:
                shipment.delivered_at = occurred_at
            if estimated_delivery_date is not None:
                shipment.estimated_delivery_date = estimated_delivery_date
            shipment.save(update_fields=["status", "delivered_at", "estimated_delivery_date"])
            OrderEvent.objects.create(
                order=order,
                event_type=OrderEventType.CARRIER_SCAN,
                note=f"{carrier.name} {tracking_number}: {shipment.get_status_display()}"
                + (f" at {location}" if location else "")
                + (f" ({message})" if message else ""),
                customer_visible=False,
                data={"shipment": shipment.pk, "tracking_status": status},
            )
            publish(
                CarrierScanRecorded(
                    order=order,
                    shipment=_shipment_facts(shipment),
                    status=status,
                    location=location,
                    message=message,
                )
            )
            _order_follow_tracking(order, status)
    except IntegrityError:
        # The same event arrived twice at once; the other request recorded it.
        return TrackingEvent.objects.get(carrier=carrier, carrier_event_id=event_id), False
    return event, True


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
    elif (
        status in (TrackingEventStatus.FAILED_ATTEMPT, TrackingEventStatus.RETURNED_TO_SENDER)
        and order.status == OrderStatus.SHIPPED
    ):
        order_transition(
            order=order,
            transition="hold",
            actor=None,
            reason=HoldReason.DELIVERY_FAILED,
            note=f"Carrier reported: {status}.",
        )


def carriers_defaults_ensure() -> None:
    """Create the carriers most shops here use, if missing (used by seed_demo)."""
    for code, name, template in [
        ("ghn", "Giao Hàng Nhanh", "https://donhang.ghn.vn/?order_code={tracking_number}"),
        ("ghtk", "Giao Hàng Tiết Kiệm", "https://i.ghtk.vn/{tracking_number}"),
        (
            "vnpost",
            "Vietnam Post",
            "https://www.vnpost.vn/tra-cuu-hanh-trinh/buu-pham?key={tracking_number}",
        ),
        (
            "dhl",
            "DHL Express",
            "https://www.dhl.com/vn-en/home/tracking.html?tracking-id={tracking_number}",
        ),
    ]:
        Carrier.objects.get_or_create(
            code=code, defaults={"name": name, "tracking_url_template": template}
        )
