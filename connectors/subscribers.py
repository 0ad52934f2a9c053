"""What the connectors do when an order changes: one readable place (DESIGN.md, "event seam").

A platform's order that ships tells its platform, once per shipment: each
handler writes the `PlatformStatusPush` row inside the change's transaction
(connectors.status_pushes); Celery sends it after the commit.

Shipments are booked while the order is packing or ready to ship, before the
`ship` transition, so the order's shipping is the moment: every shipment it
left with is pushed then. A shipment created once the order has shipped (a
hand-over to a last-mile carrier under a new number) is pushed when it is made.
"""

from fulfillment.models import Shipment, ShipmentStatus
from orders.events import OrderStatusChanged, ShipmentCreated, subscribe
from orders.models import OrderStatus

from .status_pushes import order_platform_connection, status_push_record


def status_push_order_shipped(event: OrderStatusChanged) -> None:
    """The order shipped: push each of its shipments to the platform it came from."""
    if event.to_status != OrderStatus.SHIPPED:
        return
    order = event.order
    connection = order_platform_connection(order)
    if connection is None:
        return
    # A leg handed over to another carrier is followed by its next leg's number.
    shipments = (
        Shipment.objects.filter(order=order)
        .exclude(status=ShipmentStatus.HANDED_OVER)
        .select_related("carrier")
        .order_by("pk")
    )
    for shipment in shipments:
        status_push_record(
            order=order,
            connection=connection,
            shipment_id=shipment.pk,
            carrier=shipment.carrier.name,
            tracking_number=shipment.tracking_number,
            tracking_url=shipment.tracking_url,
        )


def status_push_shipment_created(event: ShipmentCreated) -> None:
    """A shipment made after the order shipped goes to the platform now (earlier ones wait)."""
    order = event.order
    if order.shipped_at is None:
        return  # pushed when the order ships
    connection = order_platform_connection(order)
    if connection is None:
        return
    facts = event.shipment
    status_push_record(
        order=order,
        connection=connection,
        shipment_id=facts.id,
        carrier=facts.carrier_name,
        tracking_number=facts.tracking_number,
        tracking_url=facts.tracking_url,
    )


def order_events_subscribe() -> None:
    """Subscribe the connectors' handlers to the order's domain events."""
    subscribe(OrderStatusChanged, status_push_order_shipped)
    subscribe(ShipmentCreated, status_push_shipment_created)
