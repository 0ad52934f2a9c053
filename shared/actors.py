"""Who acts on an order: a user, or None for the system (API key, carrier, scheduled task)."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from shared.errors import TransitionPermissionDenied

Actor = AbstractBaseUser | AnonymousUser | None


def actor_or_none(actor: Actor) -> AbstractBaseUser | None:
    """The user to store on a history row: None for the system and for anonymous visitors."""
    return actor if actor is not None and actor.is_authenticated else None


def permission_require(actor: Actor, permission: str, action: str) -> None:
    """Refuse a user without `permission`; the system (None) may do everything."""
    if actor is not None and not actor.has_perm(permission):
        raise TransitionPermissionDenied(
            f"You may not {action}.", details={"permission": permission}
        )
