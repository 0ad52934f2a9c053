"""Noting a change of the order that is not a transition (a pick, a package, a shipment).

Orders and their rows are locked through `orders.locking`.
"""

from orders.events import ShipmentFacts
from orders.models import Order, OrderEvent, OrderEventType
from shared.actors import Actor, actor_or_none

from ..models import Shipment


def order_changed(
    order: Order,
    *,
    actor: Actor,
    note: str,
    data: dict,
    event_type: OrderEventType = OrderEventType.NOTE,
) -> None:
    """Bump the locked order's version and write an internal history row of `event_type`."""
    order.version += 1
    order.save(update_fields=["version", "updated_at"])
    OrderEvent.objects.create(
        order=order,
        event_type=event_type,
        actor=actor_or_none(actor),
        note=note,
        customer_visible=False,
        data=data,
    )


def shipment_facts(shipment: Shipment) -> ShipmentFacts:
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
