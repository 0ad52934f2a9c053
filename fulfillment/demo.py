"""Demo data of the warehouse: carriers, stock, suppliers, and each demo order's parcels.

Registered into `orders.demo` from `FulfillmentConfig.ready()`. While the
orders demo walks an order through the service, this packs its boxes before
"ready to ship", books the shipment before "ship", and plays the carrier's
delivered scan after "deliver", all through the fulfillment services.
"""

import random
from collections.abc import Mapping

from orders.demo.catalogue import PRODUCTS
from orders.demo.seeders import DemoOrder, DemoSeeder
from orders.models import Storefront

from .models import InventoryItem, Package, Shipment, ShipmentStatus, Supplier
from .services import carriers_defaults_ensure, package_create, shipment_create

_SUPPLIERS = [
    ("Gốm Bát Tràng Co.", "Chị Hạnh", "sales@battrang.example", 3),
    ("Trà Thái Nguyên", "Anh Tuấn", "orders@trathainguyen.example", 5),
]


class FulfillmentDemoSeeder(DemoSeeder):
    """Carriers, shelves and suppliers once; boxes and parcels for every demo order."""

    name = "fulfillment"

    def reference_ensure(self, *, storefronts: Mapping[str, Storefront]) -> None:
        carriers_defaults_ensure()
        _warehouse_ensure()

    def step_prepare(self, order: DemoOrder, *, transition: str) -> None:
        if transition == "mark_ready_to_ship":
            _pack(order)
        elif transition == "ship":
            _shipment_book(order)

    def step_follow(self, order: DemoOrder, *, transition: str) -> None:
        if transition == "deliver":
            # Demo data only: the carrier's delivered scan that would have come in.
            Shipment.objects.filter(order_id=order.pk).update(status=ShipmentStatus.DELIVERED)


def _warehouse_ensure() -> None:
    """Give every demo SKU a shelf and stock, and add two suppliers."""
    for index, (sku, name_vi, _name_en, _category, _vnd, _usd) in enumerate(PRODUCTS):
        InventoryItem.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name_vi,
                "location": f"{'ABCD'[index % 4]}-{index // 4 + 1:02d}-{index % 3 + 1}",
                "quantity_on_hand": 40 + (index * 7) % 60,
            },
        )
    for name, contact, email, lead_time in _SUPPLIERS:
        Supplier.objects.get_or_create(
            name=name,
            defaults={"contact_name": contact, "email": email, "lead_time_days": lead_time},
        )


def _rng(order: DemoOrder) -> random.Random:
    # Its own stream per order, so boxes and carriers never shift the rest of the demo data.
    return random.Random(order.pk)  # noqa: S311 - demo data, not a secret


def _pack(order: DemoOrder) -> None:
    """Pack the lines into one box, or two when there are several lines."""
    lines = [{"sku": sku, "quantity": quantity} for sku, _price, quantity in order.lines]
    boxes = [lines[: len(lines) // 2], lines[len(lines) // 2 :]] if len(lines) > 2 else [lines]
    for box in boxes:
        package_create(
            order=order.pk,
            lines=box,
            # A fresh stream per box (so both boxes of an order weigh the same), as
            # the demo always drew them: changing it would change every weight.
            weight_grams=_rng(order).randint(200, 4000),
            actor=order.actors["warehouse"],
        )


def _shipment_book(order: DemoOrder) -> None:
    """Hand the order's loose packages to a carrier: DHL abroad, a local one at home."""
    rng = _rng(order)
    carrier = "dhl" if order.currency == "USD" else rng.choice(["ghn", "ghtk", "vnpost"])
    shipment_create(
        order=order.pk,
        carrier_code=carrier,
        tracking_number=f"{carrier.upper()}{order.pk:06d}{rng.randint(100, 999)}",
        package_ids=list(
            Package.objects.filter(order_id=order.pk, shipment=None).values_list("pk", flat=True)
        ),
        actor=order.actors["warehouse"],
    )
