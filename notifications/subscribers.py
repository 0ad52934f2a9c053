"""Which order changes e-mail the customer: the notifications' handlers on the order event seam.

Each writes its outbox row inside the change's transaction (orders.events);
notifications.services sends it after the commit.
"""

from fulfillment.models import TrackingEventStatus
from orders.events import (
    AfterSalesOpened,
    AfterSalesResolved,
    CarrierScanRecorded,
    ChangeRequestDecided,
    OrderCreated,
    OrderEdited,
    OrderPaymentChanged,
    OrderSplit,
    OrderStatusChanged,
    subscribe,
)
from orders.links import tracking_url
from orders.models import ChangeRequestKind, ChangeRequestStatus, Order, OrderStatus
from orders.services.change_requests import CUSTOMER_REASON

from .models import NotificationKind
from .order_edits import order_edit_snapshot
from .services import notification_record

# The order status a status change must reach to tell the customer, and what about.
_KIND_OF_STATUS = {
    OrderStatus.PROCESSING: NotificationKind.ORDER_CONFIRMED,
    OrderStatus.SHIPPED: NotificationKind.SHIPPED,
    OrderStatus.DELIVERED: NotificationKind.DELIVERED,
    OrderStatus.ON_HOLD: NotificationKind.ON_HOLD,
    OrderStatus.CANCELLED: NotificationKind.CANCELLED,
    # post_delivery is reached only by opening a request: AfterSalesOpened tells
    # the customer, with the request's number, which a status change lacks.
}


def notify_order_received(event: OrderCreated) -> None:
    notification_record(
        order=event.order, kind=NotificationKind.ORDER_RECEIVED, status=OrderStatus.RECEIVED
    )


def notify_status_change(event: OrderStatusChanged) -> None:
    """Confirmed, shipped, delivered, delayed, moving again, cancelled."""
    if event.transition == "release":
        # The hold e-mail promised to say when the order moves again.
        kind = NotificationKind.ORDER_RELEASED
    elif event.to_status in _KIND_OF_STATUS:
        kind = _KIND_OF_STATUS[event.to_status]
    else:
        return
    context = {"from_status": event.from_status}
    if event.to_status == OrderStatus.ON_HOLD:
        context["hold_reason"] = event.reason
    if event.to_status == OrderStatus.CANCELLED:
        context["cancel_reason"] = event.reason
        context["asked_by_customer"] = event.reason == CUSTOMER_REASON
    notification_record(order=event.order, kind=kind, context=context, status=event.to_status)


def notify_refund(event: OrderPaymentChanged) -> None:
    if not event.is_refund:
        return
    # A refund an edit caused is told in the edit's own e-mail: one e-mail per edit.
    if event.caused_by != "edit":
        notification_record(
            order=event.order,
            kind=NotificationKind.REFUND_ISSUED,
            context={"amount": "" if event.amount is None else str(event.amount)},
        )


def notify_order_edited(event: OrderEdited) -> None:
    """One "your order was changed" e-mail per edit, with the changes and the money."""
    context = order_edit_snapshot(
        event.order,
        changes=event.changes,
        kind=event.kind,
        total_before=event.total_before,
        shipping_price_before=event.shipping_price_before,
        line_names=event.line_names,
        refunded=event.refunded,
    )
    # A change the customer asked for (tracking page) says so, instead of "if you
    # did not ask for this"; it is also their answer when care approved it.
    context["asked_by_customer"] = event.reason == CUSTOMER_REASON
    notification_record(order=event.order, kind=NotificationKind.ORDER_EDITED, context=context)


def notify_order_split(event: OrderSplit) -> None:
    """Tell the customer once that part of the order follows as another number.

    An "order changed" e-mail about the original (kind "split"), naming the
    back-order, what it holds and its own tracking link; the back-order itself
    sends no "order received".
    """
    notification_record(
        order=event.order,
        kind=NotificationKind.ORDER_EDITED,
        context={
            "edit_kind": "split",
            "backorder": event.backorder.number,
            "backorder_url": tracking_url(event.backorder),
            "moved": [{"name": line["name"], "quantity": line["quantity"]} for line in event.moved],
        },
    )


# The carrier's news that asks something of the customer: be home, or fetch the parcel.
_KIND_OF_SCAN = {
    TrackingEventStatus.OUT_FOR_DELIVERY: NotificationKind.OUT_FOR_DELIVERY,
    TrackingEventStatus.READY_FOR_PICKUP: NotificationKind.READY_FOR_PICKUP,
}


def notify_carrier_scan(event: CarrierScanRecorded) -> None:
    kind = _KIND_OF_SCAN.get(event.status)
    if kind is None:
        return
    context = {
        "carrier": event.shipment.carrier_name,
        "tracking_number": event.shipment.tracking_number,
    }
    if kind == NotificationKind.READY_FOR_PICKUP:
        # Where to fetch it and anything the carrier said (opening hours, a code).
        context.update(place=event.location, carrier_message=event.message)
    notification_record(order=event.order, kind=kind, context=context)


def notify_after_sales_opened(event: AfterSalesOpened) -> None:
    """Every request opened, from any face, with its number and kind."""
    notification_record(
        order=event.order,
        kind=NotificationKind.AFTER_SALES_OPENED,
        context={"request": event.request_id, "kind": event.kind},
    )


def notify_after_sales_resolved(event: AfterSalesResolved) -> None:
    notification_record(
        # Read again with its customer: the request's handling may have changed the order.
        order=Order.objects.select_related("customer").get(pk=event.order.pk),
        kind=NotificationKind.AFTER_SALES_RESOLVED,
        context={
            "request": event.request_id,
            "kind": event.kind,
            "resolution": event.resolution,
            "amount": "" if event.amount is None else str(event.amount),
        },
    )


def notify_change_request_decided(event: ChangeRequestDecided) -> None:
    """Care approved or declined what the customer asked (with the reason they gave).

    A request the storefront's rule applied at once is not answered here: the
    customer saw it on the page, and the change's own e-mail (order changed,
    order cancelled) follows. An approval without a note is not either: the
    change's e-mail, written in the same transaction, says it was done as they
    asked, so the customer gets one e-mail, not two. A note from care needs
    its own answer.
    """
    if event.status not in (ChangeRequestStatus.APPROVED, ChangeRequestStatus.REJECTED):
        return
    if event.status == ChangeRequestStatus.APPROVED and not event.note:
        return
    # Read again with its customer and address: the approved change may have replaced it.
    order = Order.objects.select_related("customer", "shipping_address").get(pk=event.order.pk)
    context = {
        "request": event.request_id,
        "kind": event.kind,
        "outcome": event.status,
        "note": event.note,
    }
    if event.kind == ChangeRequestKind.ADDRESS and event.status == ChangeRequestStatus.APPROVED:
        context["address"] = str(order.shipping_address)
    notification_record(order=order, kind=NotificationKind.CHANGE_REQUEST_DECIDED, context=context)


def order_events_subscribe() -> None:
    """Subscribe the customer e-mails to the order events that call for one (from ready())."""
    subscribe(OrderCreated, notify_order_received)
    subscribe(OrderStatusChanged, notify_status_change)
    subscribe(OrderPaymentChanged, notify_refund)
    subscribe(OrderEdited, notify_order_edited)
    subscribe(OrderSplit, notify_order_split)
    subscribe(CarrierScanRecorded, notify_carrier_scan)
    subscribe(AfterSalesOpened, notify_after_sales_opened)
    subscribe(AfterSalesResolved, notify_after_sales_resolved)
    subscribe(ChangeRequestDecided, notify_change_request_decided)
