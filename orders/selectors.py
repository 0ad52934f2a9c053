"""Reads of orders."""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django_fsm import can_proceed

from .locking import user_may_work_order
from .models import Order, OrderEvent, OrderEventType
from .services import OFFERED_TRANSITIONS, TransitionSpec, transition_unmet_conditions


def order_available_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[TransitionSpec]:
    """The transitions `user` may run on `order` now (state, conditions, permission, team).

    Only those faces may offer: a transition a service owns is never a button.
    """
    if not user_may_work_order(order, user):
        return []
    return [
        spec
        for spec in OFFERED_TRANSITIONS.values()
        if spec.permitted(user) and can_proceed(getattr(order, spec.name))
    ]


def order_blocked_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[tuple[TransitionSpec, list[str]]]:
    """Return the transitions `user` may run from this state whose conditions fail, and why."""
    if not user_may_work_order(order, user):
        return []
    blocked = []
    for spec in OFFERED_TRANSITIONS.values():
        method = getattr(order, spec.name)
        if not can_proceed(method, check_conditions=False) or not spec.permitted(user):
            continue
        refusals = transition_unmet_conditions(order, spec)
        if refusals:
            blocked.append((spec, refusals))
    return blocked


def order_stage_stays(
    *, now: datetime, days: int, stages: list[str] | tuple[str, ...]
) -> QuerySet[OrderEvent]:
    """Finished stays in `stages` that began in the last `days` days, annotated `stay`.

    A stay runs from the status change into the stage to the order's next
    status change up to `now` (a later one has not happened yet). The database
    pairs the events with a correlated subquery; the dashboard's overview and
    the KPI charts both read stage times from here.
    """
    status_changes = OrderEvent.objects.filter(event_type=OrderEventType.STATUS_CHANGED)
    next_change = (
        status_changes.filter(order=OuterRef("order"), created_at__lte=now)
        .filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return (
        status_changes.filter(
            to_status__in=stages,
            created_at__gte=now - timedelta(days=days),
            created_at__lte=now,
        )
        .annotate(left_at=Subquery(next_change))
        .filter(left_at__isnull=False)
        .annotate(
            stay=ExpressionWrapper(F("left_at") - F("created_at"), output_field=DurationField())
        )
        .order_by()
    )
