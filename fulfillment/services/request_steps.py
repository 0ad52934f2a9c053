"""One step of a request's FSM, taken the same way by every kind of request.

After-sales and supplier requests differ in what they lock, check and set off
around a step (their own services say so); the step itself is alike: refuse an
unknown transition, refuse a form from a page older than the request, refuse
what the status does not allow, run the transition and save it unless someone
else saved the request first. The callers word their own refusals.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Model
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from shared.errors import InvalidTransition, OrderConflict, OrderValidationError, StaleOrderVersion


def request_transition_require(
    transition: str, known: Iterable[str], *, what: str = "transition"
) -> None:
    """Refuse (400) a transition that is not one of `known`."""
    known = list(known)
    if transition not in known:
        raise OrderValidationError(
            f"Unknown {what} '{transition}'.",
            details={"transition": [f"Must be one of: {', '.join(known)}."]},
        )


def request_version_require(
    request: Model, expected_updated_at: datetime | None, *, label: str, status: str
) -> None:
    """Refuse (412) a form posted from a page older than the locked request's last change.

    `label` names the request and `status` says its status, as the message shows them.
    """
    if expected_updated_at is not None and request.updated_at != expected_updated_at:
        raise StaleOrderVersion(
            f"{label} has changed since you loaded it (it is {status} now). Reload and try again.",
            details={"status": request.status, "updated_at": request.updated_at.isoformat()},
        )


def request_step(
    request: Model,
    transition: str,
    *,
    refusal: InvalidTransition,
    label: str,
    arguments: dict[str, Any] | None = None,
) -> None:
    """Run `transition` (with `arguments`) on the locked request and save it.

    What the request's status does not allow is refused with `refusal` (409).
    """
    method = getattr(request, transition)
    if not can_proceed(method):
        raise refusal
    try:
        method(**(arguments or {}))
    except TransitionNotAllowed:
        raise refusal from None
    request_save(request, label=label)


def request_save(request: Model, *, label: str) -> None:
    """Save the request's new status, refusing (409) if another change saved it first."""
    try:
        request.save()
    except ConcurrentTransition:
        raise OrderConflict(
            f"{label} was changed by someone else at the same time. Reload and try again."
        ) from None
