"""What every fulfillment service needs: who acts, may they, and locking and noting the order."""

from orders.models import Order, OrderEvent, OrderEventType
from orders.services import order_team_require, order_version_require
from shared.actors import Actor, actor_or_none, permission_require  # noqa: F401 - re-exported


def order_lock(
    order: Order | int, *, actor: Actor = None, expected_version: int | None = None
) -> Order:
    """Lock the order's row for the rest of the transaction and return it fresh.

    With a staff `actor`, refuse (403) an order of a team they do not work for;
    with `expected_version`, refuse (412) an order changed since the caller saw it.
    """
    order_pk = order.pk if isinstance(order, Order) else order
    locked = Order.objects.select_for_update().get(pk=order_pk)
    order_team_require(locked, actor)
    order_version_require(locked, expected_version)
    return locked


def order_changed(order: Order, *, actor: Actor, note: str, data: dict) -> None:
    """Bump the locked order's version and write an internal history row for the change."""
    order.version += 1
    order.save(update_fields=["version", "updated_at"])
    OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.NOTE,
        actor=actor_or_none(actor),
        note=note,
        customer_visible=False,
        data=data,
    )
