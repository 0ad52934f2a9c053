"""Reads of orders."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django_fsm import can_proceed, has_transition_perm

from .models import Order
from .services import TRANSITIONS, TransitionSpec, transition_unmet_conditions


def order_available_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[TransitionSpec]:
    """Return the transitions `user` may run on `order` now (state, conditions and permission)."""
    return [
        spec
        for spec in TRANSITIONS.values()
        if has_transition_perm(getattr(order, spec.name), user)
    ]


def order_blocked_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[tuple[TransitionSpec, list[str]]]:
    """Return the transitions `user` may run from this state whose conditions fail, and why."""
    blocked = []
    for spec in TRANSITIONS.values():
        method = getattr(order, spec.name)
        if not can_proceed(method, check_conditions=False) or not user.has_perm(spec.permission):
            continue
        refusals = transition_unmet_conditions(order, spec)
        if refusals:
            blocked.append((spec, refusals))
    return blocked
