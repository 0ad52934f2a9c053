"""Reads for the PDF papers (`fulfillment.labels`): labels per shipment, slips per package.

Every read loads the orders it prints in a fixed number of queries (orders,
shipments with carriers, packages, package lines), whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable

from babel import Locale, UnknownLocaleError
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from orders.models import Order, PaymentMethod
from shared.money import format_money

from .labels import PackingSlip, Paper, Party, ShippingLabel, SlipLine
from .models import Package, PackageLine, PickList, Shipment, ShipmentStatus


def _orders_for_papers(orders: QuerySet[Order]) -> list[Order]:
    """`orders` with what their papers print, in a fixed number of queries, by number."""
    return list(
        orders.select_related("storefront", "shipping_address", "customer")
        .prefetch_related(
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("carrier").order_by("created_at", "id"),
            ),
            Prefetch(
                "packages",
                queryset=Package.objects.order_by("created_at", "id").prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=PackageLine.objects.select_related("order_line").order_by(
                            "order_line_id", "id"
                        ),
                    )
                ),
            ),
        )
        .order_by("number")
    )


def shipment_labels(shipment_id: int) -> list[ShippingLabel] | None:
    """Return the label pages of a shipment (one per package it carries), or None if unknown."""
    orders = _orders_for_papers(Order.objects.filter(shipments=shipment_id))
    if not orders:
        return None
    order = orders[0]
    shipment = next(s for s in order.shipments.all() if s.pk == shipment_id)
    return _shipment_labels(order, shipment)


def package_slip_paper(package_id: int) -> PackingSlip | None:
    """Return the packing slip of a package, or None if unknown."""
    orders = _orders_for_papers(Order.objects.filter(packages=package_id))
    if not orders:
        return None
    order = orders[0]
    return next(slip for package, slip in _order_slips(order) if package.pk == package_id)


def order_papers(number: str) -> list[Paper] | None:
    """Return an order's labels then its slips (empty: nothing packed), or None if unknown."""
    orders = _orders_for_papers(Order.objects.filter(number=number))
    if not orders:
        return None
    return _papers_of(orders[0])


def pick_list_papers(pick_list_id: int) -> list[Paper] | None:
    """Return the papers of a wave's orders, grouped per order by number; None if unknown."""
    if not PickList.objects.filter(pk=pick_list_id).exists():
        return None
    orders = _orders_for_papers(Order.objects.filter(pick_lists=pick_list_id))
    return [paper for order in orders for paper in _papers_of(order)]


def _papers_of(order: Order) -> list[Paper]:
    """Each current shipment's labels, then each package's slip."""
    papers: list[Paper] = []
    for shipment in order.shipments.all():
        # A line-haul leg handed over to a last-mile carrier no longer travels with a label.
        if shipment.status != ShipmentStatus.HANDED_OVER:
            papers += _shipment_labels(order, shipment)
    papers += [slip for _package, slip in _order_slips(order)]
    return papers


def _shipment_labels(order: Order, shipment: Shipment) -> list[ShippingLabel]:
    packages = [p for p in order.packages.all() if p.shipment_id == shipment.pk]
    total = sum(package.weight_grams for package in packages)
    cod_amount, cod_note = _cash_on_delivery(order, shipment)
    common = {
        "sender": _sender(order),
        "recipient": _recipient(order),
        "order_number": order.number,
        "platform_reference": order.platform_reference,
        "carrier_name": shipment.carrier.name,
        "tracking_number": shipment.tracking_number,
        "ship_date": timezone.localdate(shipment.created_at),
        "cod_amount": cod_amount,
        "cod_note": cod_note,
    }
    if not packages:
        return [ShippingLabel(**common)]
    return [
        ShippingLabel(
            **common,
            package_position=position,
            package_count=len(packages),
            package_weight_grams=package.weight_grams,
            total_weight_grams=total,
        )
        for position, package in enumerate(packages, start=1)
    ]


def _cash_on_delivery(order: Order, shipment: Shipment) -> tuple[str, str]:
    """What a cash-on-delivery label says: the balance to collect, on one shipment only.

    An order sent in several shipments has its money collected once: by the
    first shipment still travelling (not handed over); the others say which.
    """
    if order.payment_method != PaymentMethod.CASH_ON_DELIVERY:
        return "", ""
    balance = order.balance_due
    if balance <= 0:
        return "", ""
    collecting = next(
        (s for s in order.shipments.all() if s.status != ShipmentStatus.HANDED_OVER), None
    )
    if collecting is None or collecting.pk == shipment.pk:
        return format_money(balance, order.currency), ""
    return "", _("COD: collected with %(tracking)s") % {"tracking": collecting.tracking_number}


def _order_slips(order: Order) -> Iterable[tuple[Package, PackingSlip]]:
    packages = list(order.packages.all())
    shipments = {shipment.pk: shipment for shipment in order.shipments.all()}
    recipient = _recipient(order)
    slip_recipient = Party(recipient.name, recipient.lines)  # the box keeps the phone private
    for position, package in enumerate(packages, start=1):
        shipment = shipments.get(package.shipment_id)
        yield (
            package,
            PackingSlip(
                storefront_name=order.storefront.name,
                order_number=order.number,
                platform_reference=order.platform_reference,
                customer_name=order.customer.name,
                recipient=slip_recipient,
                package_position=position,
                package_count=len(packages),
                weight_grams=package.weight_grams,
                packed_on=timezone.localdate(package.created_at),
                lines=[
                    SlipLine(line.order_line.sku, line.order_line.name, line.quantity)
                    for line in package.lines.all()
                ],
                carrier_name=shipment.carrier.name if shipment else "",
                tracking_number=shipment.tracking_number if shipment else "",
            ),
        )


def _sender(order: Order) -> Party:
    storefront = order.storefront
    return Party(
        name=storefront.sender_name or storefront.name,
        lines=[line.strip() for line in storefront.sender_address.splitlines() if line.strip()],
        phone=storefront.sender_phone,
    )


def _recipient(order: Order) -> Party:
    address = order.shipping_address
    place = ", ".join(part for part in (address.city, address.province) if part)
    if address.postal_code:
        place = f"{place} {address.postal_code}".strip()
    return Party(
        name=address.name,
        lines=[
            line
            for line in (address.line1, address.line2, place, _country(address.country))
            if line
        ],
        # The carrier calls the recipient; the customer's own phone when the address has none.
        phone=address.phone or order.customer.phone,
    )


def _country(code: str) -> str:
    """The country's name in the active language (Babel's CLDR names), else its code."""
    try:
        locale = Locale.parse(to_locale(get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return locale.territories.get((code or "").upper(), code)
