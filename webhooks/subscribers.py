"""What the storefronts hear about their orders: the webhooks' handlers on the order event seam.

Each writes its outbox row inside the change's transaction (orders.events);
webhooks.delivery sends it after the commit. Storefronts without a webhook URL
get nothing written.
"""

from orders.events import (
    CarrierScanRecorded,
    OrderCreated,
    OrderEdited,
    OrderSplit,
    OrderStatusChanged,
    ShipmentCreated,
    ShipmentFacts,
    subscribe,
)
from orders.models import Order

from .models import WebhookEventType
from .services import order_webhook_data, webhook_event_record


def webhook_order_created(event: OrderCreated) -> None:
    order = event.order
    webhook_event_record(
        storefront=order.storefront,
        event_type=WebhookEventType.ORDER_CREATED,
        data={"order": order_webhook_data(order)},
        order=order,
    )


def webhook_order_status_changed(event: OrderStatusChanged) -> None:
    order = event.order
    webhook_event_record(
        storefront=order.storefront,
        event_type=WebhookEventType.ORDER_STATUS_CHANGED,
        data={
            "order": order_webhook_data(order),
            "transition": event.transition,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "reason": event.reason,
        },
        order=order,
    )


def webhook_order_edited(event: OrderEdited) -> None:
    """Lines, address, contact or shipping price changed: the order now, and what changed."""
    order = event.order
    webhook_event_record(
        storefront=order.storefront,
        event_type=WebhookEventType.ORDER_UPDATED,
        data={
            "order": order_webhook_data(order),
            # As the API's `changes`: [{field, from, to}], plain strings.
            "changes": [dict(change) for change in event.changes],
            "kind": event.kind,
            "reason": event.reason,
        },
        order=order,
    )


def webhook_order_split(event: OrderSplit) -> None:
    """Quantities moved to a back-order: `order.updated` for the original, naming the back-order.

    The back-order gets no `order.created` (the customer's order is the same
    one); it comes here as `data.backorder`, with the original's changes.
    """
    order, backorder = event.order, event.backorder
    left: dict[str, int] = {}
    for sku, quantity in order.lines.values_list("sku", "quantity"):
        left[sku] = left.get(sku, 0) + quantity
    moved: dict[str, int] = {}
    for line in event.moved:
        moved[line["sku"]] = moved.get(line["sku"], 0) + int(line["quantity"])
    changes = [
        {
            "field": f"lines[{sku}].quantity",
            "from": str(left.get(sku, 0) + quantity),
            "to": str(left.get(sku, 0)),
        }
        for sku, quantity in moved.items()
    ]
    changes += [
        {"field": "total", "from": str(order.total + event.moved_total), "to": str(order.total)},
        {"field": "backorders", "from": "", "to": backorder.number},
    ]
    webhook_event_record(
        storefront=order.storefront,
        event_type=WebhookEventType.ORDER_UPDATED,
        data={
            "order": order_webhook_data(order),
            "changes": changes,
            "kind": "split",
            "reason": event.reason,
            "backorder": order_webhook_data(backorder),
        },
        order=order,
    )


def _shipment_updated(order: Order, shipment: ShipmentFacts) -> None:
    webhook_event_record(
        storefront=order.storefront,
        event_type=WebhookEventType.SHIPMENT_UPDATED,
        data={
            "order": order_webhook_data(order),
            "shipment": {
                "carrier": shipment.carrier_code,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "status": shipment.status,
            },
        },
        order=order,
    )


def webhook_shipment_created(event: ShipmentCreated) -> None:
    _shipment_updated(event.order, event.shipment)


def webhook_carrier_scan(event: CarrierScanRecorded) -> None:
    _shipment_updated(event.order, event.shipment)


def order_events_subscribe() -> None:
    """Subscribe the storefront webhooks to the order events they report (from ready())."""
    subscribe(OrderCreated, webhook_order_created)
    subscribe(OrderStatusChanged, webhook_order_status_changed)
    subscribe(OrderEdited, webhook_order_edited)
    subscribe(OrderSplit, webhook_order_split)
    subscribe(ShipmentCreated, webhook_shipment_created)
    subscribe(CarrierScanRecorded, webhook_carrier_scan)
