"""Packing, shipments and carrier tracking. Order status changes go through orders.services.

What follows a package, a shipment or a carrier scan (ledger costs, the
storefront's webhook, the customer's e-mail) subscribes to the events these
services publish (orders.events).
"""

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from orders.events import (
    PackageCreated,
    ShipmentCreated,
    publish,
)
from orders.locking import order_lock, order_rows_lock
from orders.models import (
    Order,
    OrderEventType,
    OrderStatus,
)
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
)
from ..selectors import order_unpacked_quantities
from .common import order_changed, shipment_facts


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


# What a tracking number may hold: printable ASCII without spaces. The label prints it
# as a Code 128 barcode, which has no other characters (they would be dropped and the
# scanned number would not match), and carriers' numbers are letters, digits and dashes.
_TRACKING_NUMBER = re.compile(r"[!-~]+")
TRACKING_NUMBER_MAX_LENGTH = 100


def _tracking_number_problem(tracking_number: str) -> str | None:
    """Why `tracking_number` (stripped) cannot be a shipment's, or None."""
    if not tracking_number:
        return "This field is required."
    if len(tracking_number) > TRACKING_NUMBER_MAX_LENGTH:
        return f"At most {TRACKING_NUMBER_MAX_LENGTH} characters."
    if not _TRACKING_NUMBER.fullmatch(tracking_number):
        return "Only letters, digits and signs without spaces or accents (as printed on a barcode)."
    return None


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
    problem = _tracking_number_problem(tracking_number)
    if problem:
        errors["tracking_number"] = [problem]
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
                shipment=shipment_facts(leg),
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
    problem = _tracking_number_problem(tracking_number)
    if problem:
        errors["tracking_number"] = [problem]
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
                shipment=shipment_facts(shipment),
                weight_grams=sum(package.weight_grams for package in packages),
            )
        )
    return shipment


def carriers_defaults_ensure() -> None:
    """Create the carriers most shops here use, if missing (used by seed_demo).

    With what AfterShip and EasyPost call them (their courier slug, their carrier
    name), filled in where still blank: an aggregator's update is matched by them.
    EasyPost does not follow the Vietnamese carriers.
    """
    for code, name, template, aftership_slug, easypost_carrier in [
        (
            "ghn",
            "Giao Hàng Nhanh",
            "https://donhang.ghn.vn/?order_code={tracking_number}",
            "ghn",
            "",
        ),
        ("ghtk", "Giao Hàng Tiết Kiệm", "https://i.ghtk.vn/{tracking_number}", "ghtk", ""),
        (
            "vnpost",
            "Vietnam Post",
            "https://www.vnpost.vn/tra-cuu-hanh-trinh/buu-pham?key={tracking_number}",
            "vnpost",
            "",
        ),
        (
            "dhl",
            "DHL Express",
            "https://www.dhl.com/vn-en/home/tracking.html?tracking-id={tracking_number}",
            "dhl",
            "DHLExpress",
        ),
    ]:
        carrier, _created = Carrier.objects.get_or_create(
            code=code, defaults={"name": name, "tracking_url_template": template}
        )
        blanks = {
            field: value
            for field, value in (
                ("aftership_slug", aftership_slug),
                ("easypost_carrier", easypost_carrier),
            )
            if value and not getattr(carrier, field)
        }
        if blanks:
            Carrier.objects.filter(pk=carrier.pk).update(**blanks)
