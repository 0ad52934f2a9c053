"""Reads of orders."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django_fsm import has_transition_perm

from .models import Order
from .services import TRANSITIONS, TransitionSpec


def order_available_transitions(
    *, order: Order, user: AbstractBaseUser | AnonymousUser
) -> list[TransitionSpec]:
    """Return the transitions `user` may run on `order` now (state, conditions and permission)."""
    return [
        spec
        for spec in TRANSITIONS.values()
        if has_transition_perm(getattr(order, spec.name), user)
    ]
