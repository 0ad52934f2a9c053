"""Status and payment changes: the one way to run an order's transitions.

`order_transition` is the one entry point for status and payment changes: API
views, admin buttons, the dashboard, Celery tasks, webhooks and commands all
call it. It always works in this order: lock the row, check the permission,
refuse a stale version, check the transition is legal, apply it, bump the
version, save, write the `OrderEvent`, publish what happened (orders.events:
the ledger, notifications and webhooks subscribe there and write their outbox
rows in this transaction), register side effects after commit.
"""

import copy
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, InvalidResultState, TransitionNotAllowed, can_proceed

from shared.actors import Actor
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    TransitionPermissionDenied,
)
from shared.money import amount_in_minor_units, format_money

from ..events import OrderPaymentChanged, OrderStatusChanged, publish
from ..lifecycle import RegisteredGuards
from ..locking import order_lock, order_team_require, order_version_require
from ..models import (
    HoldReason,
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from ..planning import order_plan_on_transition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TransitionSpec:
    """What callers need to know about a transition beyond django-fsm's graph."""

    name: str
    field: str
    label: str
    needs_reason: bool = False
    reason_choices: type[TextChoices] | None = None
    customer_visible: bool = True
    takes_amount: bool = False
    # The one service allowed to run it, as part of its own change (opening an
    # after-sales request moves the order to post_delivery). No face offers it
    # and `order_transition` refuses it to every other caller.
    owner: str = ""
    # What to do instead, said to a caller who asked for an owned transition.
    instead: str = ""
    # Narrower permissions, each allowing the transition for some reasons only:
    # ((permission, (reason, ...)), ...). The transition's own permission allows every reason.
    reason_permissions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def permission(self) -> str:
        return f"orders.{self.name}_order"

    @property
    def offered(self) -> bool:
        """Whether faces (dashboard, admin, API, bulk) may offer and run it by name."""
        return not self.owner

    def reasons_permitted(self, user: Actor) -> tuple[str, ...] | None:
        """Return the only reasons `user` may give, or None when they may give any."""
        if user is None or user.has_perm(self.permission):
            return None
        reasons: list[str] = []
        for permission, allowed in self.reason_permissions:
            if user.has_perm(permission):
                reasons += [reason for reason in allowed if reason not in reasons]
        return tuple(reasons)

    def permitted(self, user: Actor, *, reason: str | None = None) -> bool:
        """Return whether `user` may run this transition (for `reason`, when one is named)."""
        reasons = self.reasons_permitted(user)
        if reasons is None:
            return True
        return reason in reasons if reason is not None else bool(reasons)

    def reason_choices_for(self, user: Actor) -> list[tuple[str, str]]:
        """Return the (value, label) reasons `user` may choose from (none for free text)."""
        if self.reason_choices is None:
            return []
        reasons = self.reasons_permitted(user)
        return [
            (value, label)
            for value, label in self.reason_choices.choices
            if reasons is None or value in reasons
        ]


_STATUS = "status"
_PAYMENT = "payment_status"
# fulfillment's `after_sales_request_open`, named here without importing it.
AFTER_SALES_OPEN_SERVICE = "after_sales_request_open"

TRANSITIONS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in [
        TransitionSpec("confirm", _STATUS, "Confirm"),
        TransitionSpec("start_picking", _STATUS, "Start picking"),
        TransitionSpec("start_packing", _STATUS, "Start packing"),
        TransitionSpec("mark_ready_to_ship", _STATUS, "Mark ready to ship"),
        TransitionSpec("ship", _STATUS, "Ship"),
        TransitionSpec("deliver", _STATUS, "Mark delivered"),
        TransitionSpec(
            "open_after_sales",
            _STATUS,
            "Open after-sales request",
            owner=AFTER_SALES_OPEN_SERVICE,
            instead="Open an after-sales request (kind, items, reason) instead: "
            "the order moves to post_delivery when the request is opened.",
        ),
        TransitionSpec("complete", _STATUS, "Complete"),
        TransitionSpec("cancel", _STATUS, "Cancel", needs_reason=True),
        TransitionSpec(
            "hold",
            _STATUS,
            "Put on hold",
            needs_reason=True,
            reason_choices=HoldReason,
            # The floor holds an order for what it finds itself: an empty shelf or an
            # address a parcel cannot go to. Other holds stay with customer care.
            reason_permissions=(
                (
                    "orders.hold_for_stock_or_address_order",
                    (HoldReason.STOCK_SHORTAGE.value, HoldReason.ADDRESS_CHECK.value),
                ),
            ),
        ),
        TransitionSpec("release", _STATUS, "Release from hold"),
        TransitionSpec(
            "authorize_payment", _PAYMENT, "Record authorization", customer_visible=False
        ),
        TransitionSpec("capture_payment", _PAYMENT, "Record payment", customer_visible=False),
        TransitionSpec("refund_payment", _PAYMENT, "Refund", takes_amount=True),
        TransitionSpec("void_payment", _PAYMENT, "Void payment", customer_visible=False),
    ]
}


# What faces may offer and run by name: every transition no service owns.
OFFERED_TRANSITIONS: dict[str, TransitionSpec] = {
    name: spec for name, spec in TRANSITIONS.items() if spec.offered
}


def transition_owner_require(spec: TransitionSpec, owner: str = "") -> None:
    """Refuse (409) a transition owned by a service to any caller but that service."""
    if spec.owner and owner != spec.owner:
        raise InvalidTransition(
            f"'{spec.name}' is not run on its own. {spec.instead}",
            details={"transition": spec.name, "use": spec.owner},
        )


def transition_spec_get(name: str) -> TransitionSpec:
    """Return the spec of transition `name`, or refuse an unknown name."""
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise OrderValidationError(
            f"Unknown transition '{name}'.",
            details={"transition": [f"Must be one of: {', '.join(TRANSITIONS)}."]},
        ) from None


def transition_permission_refusal(spec: TransitionSpec, actor: Actor) -> TransitionPermissionDenied:
    """Return the 403 for `actor`, naming the reasons they may give if they may give some."""
    reasons = spec.reasons_permitted(actor)
    if reasons:
        return TransitionPermissionDenied(
            f"{spec.label}: you may give only these reasons: {', '.join(reasons)}.",
            details={"transition": spec.name, "reason": [f"Must be one of: {', '.join(reasons)}."]},
        )
    return TransitionPermissionDenied(
        f"You may not {spec.label.lower()} orders.", details={"transition": spec.name}
    )


def transition_unmet_conditions(order: Order, spec: TransitionSpec) -> list[str]:
    """Return why `spec`'s conditions refuse `order` now (empty when they all hold)."""
    method = getattr(order, spec.name)
    found = method._django_fsm.get_transition(getattr(order, spec.field))
    if found is None:
        return []
    refusals: list[str] = []
    for condition in found.conditions:
        if isinstance(condition, RegisteredGuards):  # other apps' guards, each with its refusal
            refusals += condition.refusals(order)
        elif hasattr(condition, "explain"):  # a condition whose refusal names amounts
            if not condition(order):
                refusals.append(condition.explain(order))
        elif not condition(order):
            refusals.append(
                str(getattr(condition, "refusal", condition.__doc__ or condition.__name__))
            )
    return refusals


def order_transition(
    *,
    order: Order | int,
    transition: str,
    actor: Actor,
    note: str = "",
    reason: str = "",
    amount: Decimal | None = None,
    expected_version: int | None = None,
    owner: str = "",
) -> Order:
    """Run `transition` on `order` as `actor` (None for the system) and return the order.

    Raises `OrderError` subclasses and then writes nothing: permission denied
    (403), stale `expected_version` (412), transition not allowed from the
    current state or its conditions unmet (409), a concurrent change (409),
    a missing or unknown reason (400). A transition a service owns
    (`TransitionSpec.owner`) runs only when that service names itself as `owner`.
    """
    spec = transition_spec_get(transition)
    transition_owner_require(spec, owner)
    reason = transition_reason_validate(spec, reason)
    order_pk = order.pk if isinstance(order, Order) else order

    with transaction.atomic():
        try:
            locked, teams = order_lock(order_pk, with_teams=True)
        except Order.DoesNotExist:
            raise OrderValidationError(f"Order {order_pk} does not exist.") from None
        if actor is not None and not spec.permitted(actor, reason=reason or None):
            raise transition_permission_refusal(spec, actor)
        order_team_require(locked, actor)
        order_version_require(locked, expected_version)
        previous_status = locked.status
        loaded = _field_values(locked)
        events = [
            _transition_apply(locked, spec, actor=actor, note=note, reason=reason, amount=amount)
        ]
        events += _transition_consequences_apply(locked, spec, actor=actor)
        order_plan_on_transition(
            locked, previous_status=previous_status, transition=transition, teams=teams
        )
        locked.version += 1
        try:
            # Only what changed: a whole-row UPDATE compiles and sends ~50 columns.
            locked.save(update_fields=[*_fields_changed(locked, loaded), "updated_at"])
        except ConcurrentTransition:
            raise OrderConflict(
                f"Order {locked.number} was changed by someone else at the same time. "
                "Reload and try again."
            ) from None
        for event in events:
            event.save()
        for event in events:
            _transition_published(locked, event)
        _side_effects_register(events)
        if transition in _PAYMENT_SECURED_BY:
            locked = order_auto_confirm(locked)
    return locked


# The payment transitions after which a storefront may want the order confirmed at once.
_PAYMENT_SECURED_BY = ("authorize_payment", "capture_payment")
AUTO_CONFIRM_NOTE = "Confirmed automatically: the storefront confirms paid orders."


def order_auto_confirm_wanted(order: Order) -> bool:
    """The storefront confirms its paid (or cash-on-delivery) received orders itself."""
    return (
        order.storefront.auto_confirm_paid
        and order.status == OrderStatus.RECEIVED
        and (
            order.payment_status in (PaymentStatus.AUTHORIZED, PaymentStatus.PAID)
            or order.payment_method == PaymentMethod.CASH_ON_DELIVERY
        )
    )


def order_auto_confirm(order: Order) -> Order:
    """Confirm `order` as the system if its storefront wants it; return the order as it is now.

    Call it inside the transaction that made the order paid (or created it). It
    goes through `order_transition`, so the confirmation is checked, planned,
    written to the history and told to the customer like any other; an order
    whose conditions refuse it stays received for staff to look at.
    """
    if not order_auto_confirm_wanted(order) or transition_unmet_conditions(
        order, TRANSITIONS["confirm"]
    ):
        return order
    return order_transition(
        order=order.pk, transition="confirm", actor=None, note=AUTO_CONFIRM_NOTE
    )


def _field_values(order: Order) -> dict[str, Any]:
    # JSON values are copied: a change made inside them in place must still show.
    return {
        field.attname: copy.deepcopy(value) if isinstance(value, dict | list) else value
        for field in Order._meta.concrete_fields
        for value in [getattr(order, field.attname)]
    }


def _fields_changed(order: Order, loaded: dict[str, Any]) -> list[str]:
    return [
        field.name
        for field in Order._meta.concrete_fields
        if getattr(order, field.attname) != loaded[field.attname]
    ]


def transition_reason_validate(spec: TransitionSpec, reason: str) -> str:
    reason = (reason or "").strip()
    if spec.needs_reason and not reason:
        raise OrderValidationError(
            f"A reason is required to {spec.label.lower()}.",
            details={"reason": ["This field is required."]},
        )
    if reason and spec.reason_choices is not None and reason not in spec.reason_choices.values:
        raise OrderValidationError(
            f"Unknown reason '{reason}'.",
            details={"reason": [f"Must be one of: {', '.join(spec.reason_choices.values)}."]},
        )
    return reason


def _transition_apply(
    order: Order,
    spec: TransitionSpec,
    *,
    actor: Actor,
    note: str,
    reason: str,
    amount: Decimal | None,
) -> OrderEvent:
    """Apply one transition to the locked `order` in memory; return its unsaved event."""
    method = getattr(order, spec.name)
    from_state = getattr(order, spec.field)
    if not can_proceed(method, check_conditions=False):
        raise InvalidTransition(
            f"Cannot {spec.label.lower()} order {order.number}: "
            f"its {spec.field.replace('_', ' ')} is '{from_state}'.",
            details={"transition": spec.name, spec.field: from_state},
        )
    refusals = transition_unmet_conditions(order, spec)
    if refusals:
        raise InvalidTransition(
            f"Cannot {spec.label.lower()} order {order.number}: {' '.join(refusals)}",
            details={"transition": spec.name, "conditions": refusals},
        )

    kwargs: dict[str, Any] = {}
    paid_before = order.amount_paid
    if spec.needs_reason:
        kwargs["reason"] = reason
    if spec.takes_amount:
        kwargs["amount"] = refund_amount_validate(order, amount)
    try:
        method(**kwargs)
    except (TransitionNotAllowed, InvalidResultState) as error:
        raise InvalidTransition(str(error), details={"transition": spec.name}) from None

    data = {"amount": str(kwargs["amount"])} if "amount" in kwargs else {}
    if spec.name == "capture_payment":
        # What this capture took: the total, or the balance an edit left due on a paid order.
        data["amount"] = str(order.amount_paid - paid_before)
    return OrderEvent(
        order=order,
        event_type=(
            OrderEventType.STATUS_CHANGED
            if spec.field == _STATUS
            else OrderEventType.PAYMENT_CHANGED
        ),
        transition=spec.name,
        from_status=from_state,
        to_status=getattr(order, spec.field),
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        note=note,
        customer_visible=spec.customer_visible,
        data=data,
    )


def refund_amount_validate(order: Order, amount: Decimal | None) -> Decimal:
    """Return what a refund of `amount` (None: all that is refundable) gives back, or refuse."""
    refundable = order.amount_refundable
    if amount is None:
        return refundable
    # 0.005 USD or 1.5 VND is refused here, for every face, rather than rounded.
    amount = amount_in_minor_units(amount, order.currency, field="amount")
    if amount <= 0 or amount > refundable:
        most = format_money(refundable, order.currency)
        raise OrderValidationError(
            _("A refund must be more than 0 and at most %(most)s.") % {"most": most},
            details={"amount": [_("Must be more than 0 and at most %(most)s.") % {"most": most}]},
        )
    return amount


def cancel_payment_consequence(order: Order) -> str | None:
    """The payment transition cancelling `order` runs too: a refund, a void, or None."""
    # Money taken for a cancelled order goes back; a reservation is released.
    if order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return "refund_payment" if order.amount_refundable > 0 else None
    if order.payment_status == PaymentStatus.AUTHORIZED:
        return "void_payment"
    return None


def _transition_consequences_apply(
    order: Order, spec: TransitionSpec, *, actor: Actor
) -> list[OrderEvent]:
    """Apply the transitions that a transition implies, in the same transaction.

    They are recorded as the system's doing (no actor): the person who cancelled
    did not refund by hand and may not hold the refund permission; their own
    event, written just before, says who caused it.
    """
    if spec.name != "cancel":
        return []
    name = cancel_payment_consequence(order)
    if name is None:
        return []
    consequence = TRANSITIONS[name]
    event = _transition_apply(
        order, consequence, actor=None, note="Automatic on cancellation.", reason="", amount=None
    )
    event.data["caused_by"] = spec.name
    return [event]


def _transition_published(order: Order, event: OrderEvent) -> None:
    """Publish one saved transition row as the seam's typed event (orders.events)."""
    if event.event_type == OrderEventType.STATUS_CHANGED:
        publish(
            OrderStatusChanged(
                order=order,
                transition=event.transition,
                from_status=event.from_status,
                to_status=event.to_status,
                reason=event.reason,
            )
        )
        return
    amount = event.data.get("amount")
    publish(
        OrderPaymentChanged(
            order=order,
            transition=event.transition,
            from_status=event.from_status,
            to_status=event.to_status,
            amount=None if amount is None else Decimal(amount),
            caused_by=event.data.get("caused_by", ""),
        )
    )


def _side_effects_register(events: list[OrderEvent]) -> None:
    """Once the commit succeeded, log the change.

    Notifications, webhooks and ledger entries are written to their own
    outboxes in the transaction, by the event seam's subscribers, and sent by
    their own tasks, so nothing else needs a broker round trip here (it would
    cost every transition one).
    """
    changes = [
        (
            event.order.number,
            event.transition or event.event_type,
            event.from_status,
            event.to_status,
        )
        for event in events
    ]
    transaction.on_commit(partial(_changes_log, changes))


def _changes_log(changes: list[tuple[str, str, str, str]]) -> None:
    for number, what, from_status, to_status in changes:
        logger.info("order %s: %s %s -> %s", number, what, from_status or "-", to_status or "-")
