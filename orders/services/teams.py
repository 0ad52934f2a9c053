"""Moving an order to another team: a manager's call, kept in the history."""

from django.db import transaction

from shared.actors import Actor
from shared.errors import TransitionPermissionDenied

from ..locking import order_lock
from ..models import Order, OrderEvent, OrderEventType, Team


def order_team_reassign(
    *,
    order: Order | int,
    team: Team | None,
    actor: Actor,
    note: str = "",
    expected_version: int | None = None,
) -> Order:
    """Move an order to another team (or to none): a manager's call, kept in the history."""
    if actor is not None and not actor.has_perm("orders.reassign_order"):
        raise TransitionPermissionDenied(
            "You may not move orders to another team.",
            details={"permission": "orders.reassign_order"},
        )
    order_pk = order.pk if isinstance(order, Order) else order
    with transaction.atomic():
        locked = order_lock(order_pk, expected_version=expected_version)
        if locked.team_id == (team.pk if team else None):
            return locked
        previous = locked.team
        locked.team = team
        locked.version += 1
        locked.save(update_fields=["team", "version", "updated_at"])
        OrderEvent.objects.create(
            order=locked,
            event_type=OrderEventType.NOTE,
            actor=actor if actor is not None and actor.is_authenticated else None,
            note=f"Moved from {previous or 'no team'} to {team or 'no team'}."
            + (f" {note.strip()}" if note.strip() else ""),
            customer_visible=False,
            data={"team": team.code if team else None},
        )
    return locked
