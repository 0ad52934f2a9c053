"""Reads of orders."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet
from django_fsm import can_proceed, has_transition_perm

from .models import Order, OrderEvent, Storefront
from .services import (
    TRANSITIONS,
    TransitionSpec,
    transition_unmet_conditions,
    user_may_work_order,
)


def order_available_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[TransitionSpec]:
    """The transitions `user` may run on `order` now (state, conditions, permission, team)."""
    if not user_may_work_order(order, user):
        return []
    return [
        spec
        for spec in TRANSITIONS.values()
        if has_transition_perm(getattr(order, spec.name), user)
    ]


def order_blocked_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[tuple[TransitionSpec, list[str]]]:
    """Return the transitions `user` may run from this state whose conditions fail, and why."""
    if not user_may_work_order(order, user):
        return []
    blocked = []
    for spec in TRANSITIONS.values():
        method = getattr(order, spec.name)
        if not can_proceed(method, check_conditions=False) or not user.has_perm(spec.permission):
            continue
        refusals = transition_unmet_conditions(order, spec)
        if refusals:
            blocked.append((spec, refusals))
    return blocked


def order_queryset_for_api(*, storefront: Storefront | None) -> QuerySet[Order]:
    """Orders an API caller may see: one storefront's, or all of them for staff (`None`)."""
    orders = Order.objects.select_related("customer", "shipping_address", "storefront")
    if storefront is not None:
        orders = orders.filter(storefront=storefront)
    return orders


def order_detail_prefetch(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Add what the order detail shows, in a fixed number of queries."""
    from fulfillment.models import AfterSalesRequest, Shipment

    return orders.prefetch_related(
        "lines",
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related("carrier").prefetch_related("packages"),
        ),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
        Prefetch(
            "after_sales_requests",
            queryset=AfterSalesRequest.objects.prefetch_related("lines__order_line"),
        ),
    )
