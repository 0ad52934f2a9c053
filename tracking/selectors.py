"""Reads for the customer-facing pages: only what a customer may see."""

from datetime import date, datetime, timedelta, timezone

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fulfillment.models import (
    AfterSalesLine,
    AfterSalesStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    TrackingEventStatus,
)
from orders.links import tracking_token_make
from orders.models import (
    CUSTOMER_STATUS_NAMES,
    ChangeRequestStatus,
    Order,
    OrderEventType,
    OrderStatus,
)

# The steps the progress bar shows, in order (holds and cancellations are shown apart).
PROGRESS_STEPS = [
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
]


def order_lookup(*, number: str, email_or_postal_code: str) -> Order | None:
    """Return the order with `number` whose e-mail or postal code matches, else None.

    A wrong pair and an unknown number give the same answer, so the form cannot
    be used to learn which order numbers exist.
    """
    number = (number or "").strip().upper()
    secret = (email_or_postal_code or "").strip()
    if not number or not secret:
        return None
    order = (
        Order.objects.select_related("customer", "shipping_address", "storefront")
        .filter(number=number)
        .first()
    )
    if order is None or order.customer.erased_at is not None:
        # After an erasure only the signed links in old e-mails open the page: the
        # region part of the postal code that is kept would be too easy a key.
        return None
    same_email = order.customer.email.lower() == secret.lower()
    postal_code = order.shipping_address.postal_code.replace(" ", "").upper()
    same_postal_code = bool(postal_code) and postal_code == secret.replace(" ", "").upper()
    return order if same_email or same_postal_code else None


def order_progress(order: Order) -> list[dict]:
    """Return the progress steps with whether each is done or current, for the status bar."""
    status = order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status
    if status in (OrderStatus.READY_TO_SHIP,):
        status = OrderStatus.PACKING
    if status in (OrderStatus.POST_DELIVERY, OrderStatus.COMPLETED):
        status = OrderStatus.DELIVERED
    reached = PROGRESS_STEPS.index(status) if status in PROGRESS_STEPS else -1

    return [
        {
            "status": step,
            "label": CUSTOMER_STATUS_NAMES[step],
            "done": index < reached or (index == reached and step == OrderStatus.DELIVERED),
            "current": index == reached,
        }
        for index, step in enumerate(PROGRESS_STEPS)
    ]


def order_shipments_for_customer(order: Order) -> list[Shipment]:
    """Every leg carrying the order, in the order they carried it, with their carrier scans.

    A line-haul leg handed over to a last-mile carrier stays on the list (the
    customer sees the whole journey); it gets `handed_over_to`, the leg that
    continues it. Each gets `status_label`: staff may record a delivery the
    carrier never reported, so the final legs then say delivered rather than
    "label created". Three queries whatever the number of legs and scans.
    """
    shipments = list(
        order.shipments.select_related("carrier", "next_leg__carrier")
        .prefetch_related(
            Prefetch(
                "tracking_events",
                queryset=TrackingEvent.objects.order_by("-occurred_at", "-id"),
                to_attr="scans",
            )
        )
        .order_by("created_at", "id")
    )
    delivered = order.delivered_at is not None
    for shipment in shipments:
        for scan in shipment.scans:
            scan.local_time, scan.offset_label = scan_local_time(scan)
        # Waiting at a pickup point: said prominently, with where (the latest such scan).
        shipment.ready_for_pickup = shipment.status == ShipmentStatus.READY_FOR_PICKUP
        shipment.pickup = next(
            (
                scan
                for scan in shipment.scans
                if scan.status == TrackingEventStatus.READY_FOR_PICKUP
            ),
            None,
        )
        shipment.handed_over_to = getattr(shipment, "next_leg", None)
        final = shipment.handed_over_to is None
        shipment.status_label = (
            ShipmentStatus.DELIVERED.label
            if final and delivered and shipment.status != ShipmentStatus.RETURNED_TO_SENDER
            else shipment.get_status_display()
        )
    return shipments


def scan_local_time(scan: TrackingEvent) -> tuple[datetime, str]:
    """When a scan happened as the clock at its place showed it, and that clock's offset.

    A scan whose carrier gave no offset is shown in the shop's time zone (no label).
    The time comes back naive so that templates show it as it is, not in the
    shop's time zone.
    """
    if scan.utc_offset_minutes is None:
        return scan.occurred_at, ""
    offset = timedelta(minutes=scan.utc_offset_minutes)
    local = scan.occurred_at.astimezone(timezone(offset)).replace(tzinfo=None)
    sign = "+" if scan.utc_offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(scan.utc_offset_minutes), 60)
    return local, f"UTC{sign}{hours:02d}:{minutes:02d}"


def order_expected_delivery(order: Order, shipments: list[Shipment]) -> date | None:
    """When the goods should arrive: the carriers' latest estimate, else our promise.

    None once delivered or cancelled, and before the order is confirmed.
    """
    if order.status in (
        OrderStatus.DELIVERED,
        OrderStatus.POST_DELIVERY,
        OrderStatus.COMPLETED,
        OrderStatus.CANCELLED,
    ):
        return None
    estimates = [
        shipment.estimated_delivery_date
        for shipment in shipments
        if shipment.estimated_delivery_date
        and shipment.delivered_at is None
        and getattr(shipment, "handed_over_to", None) is None  # a leg handed on is done
    ]
    return max(estimates) if estimates else order.promised_delivery_date


def order_timeline_for_customer(order: Order) -> list[dict]:
    """The customer-visible history, oldest first, as (time, message) in the active language."""
    events = order.events.filter(customer_visible=True).order_by("created_at", "id")
    timeline = [
        {"at": event.created_at, "message": event.customer_message(), "kind": event.event_type}
        for event in events
    ]
    return [entry for entry in timeline if entry["message"]]


# How a change request's status reads to the customer (never who decided it).
_CHANGE_STATUS_NAMES = {
    ChangeRequestStatus.PENDING: _("Waiting for our answer"),
    ChangeRequestStatus.APPROVED: _("Done"),
    ChangeRequestStatus.APPLIED: _("Done"),
    ChangeRequestStatus.REJECTED: _("Not possible"),
}


def order_change_requests_for_customer(order: Order, timeline: list[dict]) -> list[dict]:
    """What the customer asked to change before shipping and what became of it, newest first.

    Every request writes a history row when it is asked, so an order whose
    `timeline` (order_timeline_for_customer) has none costs no query here.
    """
    if not any(entry.get("kind") == OrderEventType.CHANGE_REQUEST for entry in timeline):
        return []
    rows = []
    for request in order.change_requests.order_by("-created_at", "-id"):
        address = request.address
        rows.append(
            {
                "kind": request.kind,
                "kind_label": request.get_kind_display(),
                "status": request.status,
                "status_label": _CHANGE_STATUS_NAMES[request.status],
                "created_at": request.created_at,
                "address": ", ".join(
                    address.get(part, "")
                    for part in ("name", "line1", "line2", "city", "postal_code", "country")
                    if address.get(part)
                ),
                "lines": request.lines,
                "note": request.decision_note,
            }
        )
    return rows


# The steps a customer sees a request go through; goods come back only for these kinds.
_STEPS_WITH_GOODS = [
    AfterSalesStatus.OPEN,
    AfterSalesStatus.APPROVED,
    AfterSalesStatus.ITEM_RECEIVED,
    AfterSalesStatus.RESOLVED,
]
_CUSTOMER_STEP_NAMES = {
    AfterSalesStatus.OPEN: _("Received"),
    AfterSalesStatus.APPROVED: _("Approved"),
    AfterSalesStatus.ITEM_RECEIVED: _("Item back with us"),
    AfterSalesStatus.RESOLVED: _("Resolved"),
}


def order_after_sales_for_customer(order: Order) -> list[dict]:
    """The order's returns and complaints with their progress, newest first."""
    requests = order.after_sales_requests.prefetch_related(
        Prefetch("lines", queryset=AfterSalesLine.objects.select_related("order_line"))
    ).order_by("-created_at", "-id")
    progress = []
    for request in requests:
        reached = (
            0
            if request.status == AfterSalesStatus.REJECTED
            else _STEPS_WITH_GOODS.index(request.status)
        )
        steps = [
            {
                "label": _CUSTOMER_STEP_NAMES[step],
                "done": index < reached or step == AfterSalesStatus.RESOLVED == request.status,
                "current": index == reached and request.status != AfterSalesStatus.REJECTED,
            }
            for index, step in enumerate(_STEPS_WITH_GOODS)
        ]
        progress.append(
            {
                "number": request.pk,
                "kind": request.get_kind_display(),
                "opened_at": request.created_at,
                "rejected": request.status == AfterSalesStatus.REJECTED,
                "status": request.get_status_display(),
                "resolution": request.get_resolution_display() if request.resolution else "",
                "refund_amount": request.refund_amount,
                "lines": [
                    {"name": line.order_line.name, "quantity": line.quantity}
                    for line in request.lines.all()
                ],
                "steps": steps,
            }
        )
    return progress


def order_split_links_for_customer(order: Order) -> dict:
    """The orders `order` was split with: what it was split from, and its back-orders.

    Each as {number, status (as customers name it), url (its own signed tracking
    page)}: the customer follows every part of what they ordered. Read in the
    page's language. One query.
    """

    def link(other: Order) -> dict:
        return {
            "number": other.number,
            "status": other.customer_status_display,
            "url": reverse("tracking:track_order", args=[tracking_token_make(other)]),
        }

    related = Order.objects.filter(backorder_of=order).order_by("created_at", "id")
    if order.backorder_of_id:
        related = related | Order.objects.filter(pk=order.backorder_of_id)
    parts = list(related)
    original = next((part for part in parts if part.pk == order.backorder_of_id), None)
    return {
        "backorder_of": link(original) if original is not None else None,
        "backorders": [link(part) for part in parts if part.backorder_of_id == order.pk],
    }
