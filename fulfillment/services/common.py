"""Noting a change of the order that is not a transition (a pick, a package, a shipment).

Orders and their rows are locked through `orders.locking`.
"""

from orders.models import Order, OrderEvent, OrderEventType
from shared.actors import Actor, actor_or_none


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
