"""Demo data of the warehouse: carriers, stock, suppliers, and each demo order's parcels.

Registered into `orders.demo` from `FulfillmentConfig.ready()`. While the
orders demo walks an order through the service, this records its picks before
"packing", packs its boxes before
"ready to ship", books the shipment before "ship", and plays the carrier's
delivered scan after "deliver", all through the fulfillment services.

Once the orders are in, its scenes add the work in progress staff see on
their screens: carrier scans on the shipped orders (one of them a failed
delivery attempt, which holds its order) and supplier requests in each of
their statuses.
"""

import random
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Max, Q
from django.utils import timezone

from orders.demo.catalogue import PRODUCTS
from orders.demo.seeders import DemoOrder, DemoSeeder
from orders.models import HoldReason, Order, OrderEvent, OrderStatus, Storefront
from shared.errors import OrderError

from .models import (
    AfterSalesKind,
    AfterSalesRequest,
    AfterSalesResolution,
    AfterSalesSource,
    AfterSalesStatus,
    Carrier,
    InventoryItem,
    Package,
    PickList,
    PickRecord,
    RefundProposal,
    RefundProposalStatus,
    Shipment,
    ShipmentStatus,
    Supplier,
    SupplierDelivery,
    SupplierRequest,
    SupplierRequestStatus,
    TrackingEvent,
    TrackingEventStatus,
)
from .selectors import order_unpicked_quantities
from .services import (
    carriers_defaults_ensure,
    package_create,
    shipment_create,
    tracking_event_record,
)
from .services.after_sales import (
    after_sales_request_advance,
    after_sales_request_open,
    after_sales_request_resolve,
    after_sales_request_value,
)
from .services.picking import pick_list_create, picking_record
from .services.refund_proposals import (
    refund_amount_check,
    refund_proposal_create,
    refund_proposal_reject,
)
from .services.suppliers import supplier_request_advance, supplier_request_create

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
        if transition == "complete":
            _after_sales_settle(order)
        elif transition == "start_packing":
            _pick(order)
        elif transition == "mark_ready_to_ship":
            _pack(order)
        elif transition == "ship":
            _shipment_book(order)

    def step_take(self, order: DemoOrder, *, transition: str) -> bool:
        if transition != "open_after_sales":
            return False
        _after_sales_open(order)
        return True

    def history_backdate(
        self, order: DemoOrder, *, placed_at: datetime, step_times: Mapping[str, datetime]
    ) -> None:
        opened_at = step_times.get("open_after_sales")
        if opened_at is not None:
            requests = AfterSalesRequest.objects.filter(order_id=order.pk)
            requests.update(created_at=opened_at)
            RefundProposal.objects.filter(request__in=requests).update(created_at=opened_at)
        picked_at = step_times.get("start_picking")
        if picked_at is not None:
            PickRecord.objects.filter(order_line__order_id=order.pk).update(picked_at=picked_at)
        picked_at = step_times.get("start_picking")
        if picked_at is not None:
            PickRecord.objects.filter(order_line__order_id=order.pk).update(picked_at=picked_at)

    def step_follow(self, order: DemoOrder, *, transition: str) -> None:
        if transition == "deliver":
            # Demo data only: the carrier's delivered scan that would have come in.
            Shipment.objects.filter(order_id=order.pk).update(status=ShipmentStatus.DELIVERED)

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        demo_orders = Order.objects.filter(storefront__in=list(storefronts.values()))
        _carrier_scans_ensure(demo_orders)
        _supplier_requests_ensure(demo_orders, actors)
        _wave_pick_list_ensure(demo_orders, actors)
        _refund_to_approve_ensure(demo_orders, actors)
        _after_sales_settled_ensure(demo_orders, actors)


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


def _pick(order: DemoOrder) -> None:
    """Take every line off the shelf, as the floor must before packing starts."""
    unpicked = order_unpicked_quantities(Order.objects.get(pk=order.pk))
    if not unpicked:
        return
    # Demo data only: restock a shelf the demo has emptied, so no demo order runs short
    # (the demo's holds are chosen by the stories, not by the dice of the stock levels).
    for sku, quantity in unpicked.items():
        InventoryItem.objects.filter(sku=sku, quantity_on_hand__lt=quantity).update(
            quantity_on_hand=F("quantity_on_hand") + 50
        )
    picking_record(
        order=order.pk,
        picks=[{"sku": sku, "quantity": quantity} for sku, quantity in unpicked.items()],
        actor=order.actors["warehouse"],
    )


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


# --- Scenes: what is going on around the orders today ----------------------------------

# Where each carrier's parcels are sorted, for the scans' locations.
_HUBS = {
    "ghn": "Trung tâm phân loại Tân Bình, TP. Hồ Chí Minh",
    "ghtk": "Kho Hoàng Mai, Hà Nội",
    "vnpost": "Bưu cục Đà Nẵng",
    "dhl": "DHL Hub Singapore",
}
FAILED_ATTEMPT_MESSAGE = "Customer not at home; the courier will try again tomorrow."


def _carrier_scans_ensure(demo_orders) -> None:
    """Scan every shipped order in transit, most out for delivery; the first one fails.

    The scans go through `tracking_event_record`, as a carrier's webhook would,
    so the failed attempt holds its order (`delivery_failed`) and the customers
    hear what their carrier said. Skipped once any demo shipment has a scan.
    """
    if TrackingEvent.objects.filter(shipment__order__in=demo_orders).exists():
        return
    shipments = list(
        Shipment.objects.filter(order__in=demo_orders, order__status=OrderStatus.SHIPPED)
        .select_related("carrier")
        .order_by("order__placed_at", "id")
    )
    now = timezone.now()
    for index, shipment in enumerate(shipments):
        statuses = [TrackingEventStatus.IN_TRANSIT]
        if index == 0:
            statuses += [TrackingEventStatus.OUT_FOR_DELIVERY, TrackingEventStatus.FAILED_ATTEMPT]
        elif index % 3:
            statuses.append(TrackingEventStatus.OUT_FOR_DELIVERY)
        # After the order's last history row, before now: the history stays in order.
        since = OrderEvent.objects.filter(order_id=shipment.order_id).aggregate(
            last=Max("created_at")
        )["last"]
        for step, status in enumerate(statuses, start=1):
            occurred_at = since + (now - since) * step / (len(statuses) + 1)
            _scan(shipment, status, occurred_at)


def _scan(shipment: Shipment, status: str, occurred_at: datetime) -> None:
    """Record one scan as the carrier's webhook would, its history rows dated when it happened."""
    carrier: Carrier = shipment.carrier
    last_event_id = (
        OrderEvent.objects.filter(order_id=shipment.order_id).aggregate(last=Max("id"))["last"] or 0
    )
    tracking_event_record(
        carrier=carrier,
        event_id=f"demo-{shipment.tracking_number}-{status}",
        tracking_number=shipment.tracking_number,
        status=status,
        occurred_at=occurred_at,
        location=_HUBS.get(carrier.code, ""),
        message=FAILED_ATTEMPT_MESSAGE if status == TrackingEventStatus.FAILED_ATTEMPT else "",
        estimated_delivery_date=(occurred_at + timedelta(days=1)).date(),
    )
    # The scan (and the hold a failed attempt causes) happened then, not at seeding time.
    OrderEvent.objects.filter(order_id=shipment.order_id, id__gt=last_event_id).update(
        created_at=occurred_at
    )


# How many of the orders being picked the demo's wave pick list takes.
WAVE_ORDERS = 4


def _wave_pick_list_ensure(demo_orders, actors: Mapping[str, AbstractBaseUser]) -> None:
    """A wave pick list over the oldest orders being picked, as the warehouse prints one."""
    if PickList.objects.filter(orders__in=demo_orders).exists():
        return
    picking = list(
        demo_orders.filter(status=OrderStatus.PICKING).order_by("placed_at", "id")[:WAVE_ORDERS]
    )
    if picking:
        pick_list_create(orders=picking, actor=actors["warehouse"])


# The supplier requests of the demo, one per status: (delivery, steps after "requested").
_SUPPLIER_STORIES = [
    (SupplierDelivery.TO_WAREHOUSE, []),
    (SupplierDelivery.TO_WAREHOUSE, ["confirm"]),
    (SupplierDelivery.DROP_SHIP, ["confirm", "ship"]),
    (SupplierDelivery.TO_WAREHOUSE, ["confirm", "ship", "receive"]),
    (SupplierDelivery.TO_WAREHOUSE, ["fail"]),
]
SUPPLIER_FAILURE_REASON = "Out of production until next month."


def _supplier_requests_ensure(demo_orders, actors: Mapping[str, AbstractBaseUser]) -> None:
    """One supplier request in each status, for orders short of stock or still in the works.

    Orders already held for a stock shortage are asked for first (the request
    is what they wait for); then orders being picked or waiting to be picked,
    which the request puts on hold. Skipped once any demo order has a request.
    """
    if SupplierRequest.objects.filter(order__in=demo_orders).exists():
        return
    suppliers = list(Supplier.objects.filter(is_active=True).order_by("name"))
    if not suppliers:
        return
    held_for_stock = Q(status=OrderStatus.ON_HOLD, hold_reason=HoldReason.STOCK_SHORTAGE)
    candidates = [
        *demo_orders.filter(held_for_stock).order_by("placed_at", "id"),
        *demo_orders.filter(status=OrderStatus.PICKING).order_by("placed_at", "id"),
        *demo_orders.filter(status=OrderStatus.PROCESSING).order_by("placed_at", "id"),
    ]
    # Customer care asks and chases the supplier; the warehouse takes the goods in.
    care, warehouse = actors["care"], actors["warehouse"]
    for index, (order, (delivery, steps)) in enumerate(
        zip(candidates, _SUPPLIER_STORIES, strict=False)
    ):
        line = order.lines.order_by("id").first()
        request = supplier_request_create(
            order=order,
            supplier=suppliers[index % len(suppliers)],
            lines=[{"sku": line.sku, "quantity": line.quantity}],
            delivery=delivery,
            actor=care,
        )
        for transition in steps:
            request = supplier_request_advance(
                request=request,
                transition=transition,
                actor=warehouse if transition == "receive" else care,
                reason=SUPPLIER_FAILURE_REASON if transition == "fail" else "",
            )
        if request.status in (SupplierRequestStatus.CONFIRMED, SupplierRequestStatus.SHIPPED):
            # What the supplier told us when confirming: their usual lead time.
            expected = timezone.now() + timedelta(days=request.supplier.lead_time_days)
            SupplierRequest.objects.filter(pk=request.pk).update(expected_at=expected)


# -- after delivery: requests in every state --------------------------------------------

# What the customers wrote, per kind (the demo shop is Vietnamese, its reasons too).
_REASONS = {
    AfterSalesKind.RETURN: "Không vừa ý, muốn trả lại. (Not what I expected; returning it.)",
    AfterSalesKind.EXCHANGE: "Sai màu, xin đổi. (Wrong colour; please exchange.)",
    AfterSalesKind.WARRANTY: "Vỡ sau hai tuần dùng. (Cracked after two weeks of use.)",
    AfterSalesKind.COMPLAINT: "Hộp bị móp khi nhận. (The box arrived dented.)",
}


def _after_sales_open(order: DemoOrder) -> None:
    """Open a request as customer care would for a caller, and move it some way along.

    The state it is left in is drawn per order, so the after-sales list shows
    every status, and a refund proposal waits in finance's queue.
    """
    # Drawn from the demo's own order id ("WEB-100042"), not the row's pk: the pk depends
    # on what the database's sequence saw before (other tests, on PostgreSQL), and so
    # would change which states the demo shows.
    external_id = Order.objects.values_list("external_id", flat=True).get(pk=order.pk)
    rng = random.Random(f"demo after-sales {external_id}")  # noqa: S311 - demo data, not a secret
    care = order.actors["care"]
    kind = rng.choice(
        [AfterSalesKind.RETURN] * 3
        + [AfterSalesKind.EXCHANGE, AfterSalesKind.WARRANTY, AfterSalesKind.COMPLAINT]
    )
    sku, _price, _quantity = order.lines[0]
    request = after_sales_request_open(
        order=order.pk,
        kind=kind,
        reason=_REASONS[kind],
        lines=[] if kind == AfterSalesKind.COMPLAINT else [{"sku": sku, "quantity": 1}],
        source=AfterSalesSource.STAFF,
        actor=care,
    )
    if kind == AfterSalesKind.COMPLAINT:
        return  # stays open: a complaint waits for care to read it
    stage = rng.choice(["open", "approved", "item_received", "proposed", "proposed"])
    if stage == "open":
        return
    after_sales_request_advance(request=request, transition="approve", actor=care)
    if stage == "approved":
        return
    after_sales_request_advance(
        request=request, transition="receive_item", actor=care, note="Checked at the desk."
    )
    if stage == "proposed":
        try:
            amount = refund_amount_check(
                Order.objects.get(pk=order.pk), after_sales_request_value(request)
            )
        except OrderError:
            return  # nothing paid to give back (cash on delivery not yet collected...)
        refund_proposal_create(
            request=request, amount=amount, actor=care, note="Goods back in good condition."
        )


def _after_sales_settle(order: DemoOrder) -> None:
    """Before a completion: settle what is still open, without moving money.

    A waiting refund proposal is rejected by finance, then care gives store
    credit instead; an open request is rejected or credited. Money only moves
    in the demo through the orders' own refund steps.
    """
    care, finance = order.actors["care"], order.actors["finance"]
    unsettled = AfterSalesRequest.objects.filter(order_id=order.pk).exclude(
        status__in=[AfterSalesStatus.REJECTED, AfterSalesStatus.RESOLVED]
    )
    for request in unsettled.order_by("id"):
        for proposal in request.refund_proposals.filter(status=RefundProposalStatus.PENDING):
            refund_proposal_reject(
                proposal=proposal, actor=finance, reason="Refunded already with the order."
            )
        value = after_sales_request_value(request)
        if request.status == AfterSalesStatus.OPEN and (value <= 0 or order.pk % 2):
            after_sales_request_advance(
                request=request, transition="reject", actor=care, note="Outside the conditions."
            )
            continue
        if request.status == AfterSalesStatus.OPEN:
            request = after_sales_request_advance(request=request, transition="approve", actor=care)
        if request.status == AfterSalesStatus.APPROVED:
            request = after_sales_request_advance(
                request=request, transition="receive_item", actor=care
            )
        after_sales_request_resolve(
            request=request,
            resolution=AfterSalesResolution.CREDIT,
            amount=max(value, Decimal("1")),
            actor=care,
        )


def _refund_to_approve_ensure(demo_orders, actors: Mapping[str, AbstractBaseUser]) -> None:
    """Leave at least one refund in finance's queue, however few orders were seeded."""
    if RefundProposal.objects.filter(
        request__order__in=demo_orders, status=RefundProposalStatus.PENDING
    ).exists():
        return
    care = actors["care"]
    candidates = (
        AfterSalesRequest.objects.filter(
            order__in=demo_orders,
            order__status=OrderStatus.POST_DELIVERY,
            status__in=[
                AfterSalesStatus.OPEN,
                AfterSalesStatus.APPROVED,
                AfterSalesStatus.ITEM_RECEIVED,
            ],
        )
        .exclude(kind=AfterSalesKind.COMPLAINT)
        .order_by("id")
    )
    for request in candidates:
        try:
            amount = refund_amount_check(request.order, after_sales_request_value(request))
        except OrderError:
            continue  # nothing paid to give back on this one
        if request.status == AfterSalesStatus.OPEN:
            request = after_sales_request_advance(request=request, transition="approve", actor=care)
        if request.status == AfterSalesStatus.APPROVED:
            request = after_sales_request_advance(
                request=request, transition="receive_item", actor=care
            )
        refund_proposal_create(
            request=request, amount=amount, actor=care, note="Goods back in good condition."
        )
        return
    # The draws (per order id, which differ between databases) left none to propose on:
    # care takes a return on a paid, delivered order, as a caller would ask for one.
    for order in demo_orders.filter(
        status__in=[OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY], amount_paid__gt=0
    ).order_by("id"):
        sku = order.lines.order_by("id").values_list("sku", flat=True).first()
        try:
            request = after_sales_request_open(
                order=order.pk,
                kind=AfterSalesKind.RETURN,
                reason=_REASONS[AfterSalesKind.RETURN],
                lines=[{"sku": sku, "quantity": 1}],
                source=AfterSalesSource.STAFF,
                actor=care,
            )
            request = after_sales_request_advance(request=request, transition="approve", actor=care)
            request = after_sales_request_advance(
                request=request, transition="receive_item", actor=care
            )
            amount = refund_amount_check(
                Order.objects.get(pk=order.pk), after_sales_request_value(request)
            )
            refund_proposal_create(
                request=request, amount=amount, actor=care, note="Goods back in good condition."
            )
        except OrderError:
            continue  # outside its window, or nothing left to give back
        return


def _after_sales_settled_ensure(demo_orders, actors: Mapping[str, AbstractBaseUser]) -> None:
    """Show a rejected and a resolved request too, however the draws fell.

    Only when another request still shows the status it is taken from, so
    every status stays on the after-sales list.
    """
    care = actors["care"]
    requests = AfterSalesRequest.objects.filter(order__in=demo_orders).order_by("-id")
    if not requests.filter(status=AfterSalesStatus.REJECTED).exists():
        still_open = list(requests.filter(status=AfterSalesStatus.OPEN)[:2])
        if len(still_open) == 2:
            after_sales_request_advance(
                request=still_open[0],
                transition="reject",
                actor=care,
                note="Outside the conditions.",
            )
    if not requests.filter(status=AfterSalesStatus.RESOLVED).exists():
        received = list(
            requests.filter(status=AfterSalesStatus.ITEM_RECEIVED).exclude(
                refund_proposals__status=RefundProposalStatus.PENDING
            )[:2]
        )
        if received and requests.filter(status=AfterSalesStatus.ITEM_RECEIVED).count() >= 2:
            after_sales_request_resolve(
                request=received[0],
                resolution=AfterSalesResolution.CREDIT,
                amount=max(after_sales_request_value(received[0]), Decimal("1")),
                actor=care,
            )
