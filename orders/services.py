"""Everything that changes orders.

`order_transition` is the one entry point for status and payment changes: API
views, admin buttons, the dashboard, Celery tasks, webhooks and commands all
call it. It always works in this order: lock the row, check the permission,
refuse a stale version, check the transition is legal, apply it, bump the
version, save, write the `OrderEvent`, publish what happened (orders.events:
the ledger, notifications and webhooks subscribe there and write their outbox
rows in this transaction), register side effects after commit.
"""

import copy
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django_fsm import ConcurrentTransition, InvalidResultState, TransitionNotAllowed, can_proceed

from customers.models import Address, Customer
from shared.actors import Actor
from shared.errors import (
    IdempotencyConflict,
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    TransitionPermissionDenied,
)
from shared.prefetch import rows_known

from .events import OrderCreated, OrderPaymentChanged, OrderStatusChanged, publish
from .lifecycle import RegisteredGuards
from .locking import (
    order_lock,
    order_team_require,
    order_version_require,
    user_may_work_order,  # noqa: F401 - re-exported for its callers
)
from .models import (
    HoldReason,
    IdempotencyKey,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
    Storefront,
    StorefrontAPIKey,
    Team,
)
from .planning import order_plan_on_transition

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

    @property
    def permission(self) -> str:
        return f"orders.{self.name}_order"


_STATUS = "status"
_PAYMENT = "payment_status"

TRANSITIONS: dict[str, TransitionSpec] = {
    spec.name: spec
    for spec in [
        TransitionSpec("confirm", _STATUS, "Confirm"),
        TransitionSpec("start_picking", _STATUS, "Start picking"),
        TransitionSpec("start_packing", _STATUS, "Start packing"),
        TransitionSpec("mark_ready_to_ship", _STATUS, "Mark ready to ship"),
        TransitionSpec("ship", _STATUS, "Ship"),
        TransitionSpec("deliver", _STATUS, "Mark delivered"),
        TransitionSpec("open_after_sales", _STATUS, "Open after-sales request"),
        TransitionSpec("complete", _STATUS, "Complete"),
        TransitionSpec("cancel", _STATUS, "Cancel", needs_reason=True),
        TransitionSpec(
            "hold", _STATUS, "Put on hold", needs_reason=True, reason_choices=HoldReason
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


def transition_spec_get(name: str) -> TransitionSpec:
    """Return the spec of transition `name`, or refuse an unknown name."""
    try:
        return TRANSITIONS[name]
    except KeyError:
        raise OrderValidationError(
            f"Unknown transition '{name}'.",
            details={"transition": [f"Must be one of: {', '.join(TRANSITIONS)}."]},
        ) from None


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
) -> Order:
    """Run `transition` on `order` as `actor` (None for the system) and return the order.

    Raises `OrderError` subclasses and then writes nothing: permission denied
    (403), stale `expected_version` (412), transition not allowed from the
    current state or its conditions unmet (409), a concurrent change (409),
    a missing or unknown reason (400).
    """
    spec = transition_spec_get(transition)
    reason = transition_reason_validate(spec, reason)
    order_pk = order.pk if isinstance(order, Order) else order

    with transaction.atomic():
        try:
            locked, teams = order_lock(order_pk, with_teams=True)
        except Order.DoesNotExist:
            raise OrderValidationError(f"Order {order_pk} does not exist.") from None
        if actor is not None and not actor.has_perm(spec.permission):
            raise TransitionPermissionDenied(
                f"You may not {spec.label.lower()} orders.",
                details={"transition": transition},
            )
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
    return locked


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
    if spec.needs_reason:
        kwargs["reason"] = reason
    if spec.takes_amount:
        kwargs["amount"] = _refund_amount_validate(order, amount)
    try:
        method(**kwargs)
    except (TransitionNotAllowed, InvalidResultState) as error:
        raise InvalidTransition(str(error), details={"transition": spec.name}) from None

    data = {"amount": str(kwargs["amount"])} if "amount" in kwargs else {}
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


def _refund_amount_validate(order: Order, amount: Decimal | None) -> Decimal:
    refundable = order.amount_refundable
    if amount is None:
        return refundable
    # NaN and infinity compare by raising, not by being false: refuse them first.
    if not amount.is_finite() or amount <= 0 or amount > refundable:
        raise OrderValidationError(
            f"A refund must be more than 0 and at most {refundable} {order.currency}.",
            details={"amount": [f"Must be between 0.01 and {refundable}."]},
        )
    return amount


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
    # Money taken for a cancelled order goes back; a reservation is released.
    if order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        if order.amount_refundable <= 0:
            return []
        consequence = TRANSITIONS["refund_payment"]
    elif order.payment_status == PaymentStatus.AUTHORIZED:
        consequence = TRANSITIONS["void_payment"]
    else:
        return []
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


# -- creation -----------------------------------------------------------------

_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


# A new number collides with one of a million orders about once in a million
# orders: the insert then fails, and the creation is tried again with another
# number in a new transaction, rather than reading before each insert or paying a
# savepoint for every order.
ORDER_CREATE_TRIES = 3


def order_number_generate() -> str:
    """Return a new public order number: short, unambiguous when read aloud, not sequential."""
    # One read of the system's random source (secrets.choice reads it about twice a
    # character); 256 is a multiple of the alphabet's 32 letters, so each is as likely.
    return "OR" + "".join(_NUMBER_ALPHABET[byte % 32] for byte in secrets.token_bytes(8))


def order_create(**order_fields: Any) -> Order:
    """Create an order with its customer, address and lines; totals are computed here.

    Takes the keyword arguments of `_order_request_check`.
    """
    request = _order_request_check(**order_fields)
    for attempt in range(1, ORDER_CREATE_TRIES + 1):
        number = order_number_generate()
        try:
            with transaction.atomic():
                order, _lines, _event = _order_insert(number=number, **request)
        except IntegrityError as error:
            _order_insert_failure_explain(
                error, request, number=number, last_try=attempt == ORDER_CREATE_TRIES
            )
            continue
        return order
    raise AssertionError("unreachable: the last try returns or raises")


def _order_request_check(
    *,
    storefront: Storefront,
    external_id: str,
    customer: dict[str, str],
    shipping_address: dict[str, str],
    lines: list[dict[str, Any]],
    payment_method: str,
    payment_status: str = PaymentStatus.UNPAID,
    shipping_price: Decimal = Decimal("0.00"),
    currency: str | None = None,
    priority: str = Priority.STANDARD,
    actor: Actor = None,
) -> dict[str, Any]:
    """Refuse (400) what no order may be; return the keyword arguments of `_order_insert`."""
    if priority not in Priority.values:
        raise OrderValidationError(
            f"Unknown priority '{priority}'.",
            details={"priority": [f"Must be one of: {', '.join(Priority.values)}."]},
        )
    currency = (currency or storefront.currency).upper()
    if currency != storefront.currency:
        raise OrderValidationError(
            f"This storefront sells in {storefront.currency}, not {currency}.",
            details={"currency": [f"Must be {storefront.currency}."]},
        )
    if not lines:
        raise OrderValidationError(
            "An order needs at least one line.", details={"lines": ["This list may not be empty."]}
        )
    if payment_method not in PaymentMethod.values:
        raise OrderValidationError(
            f"Unknown payment method '{payment_method}'.",
            details={"payment_method": [f"Must be one of: {', '.join(PaymentMethod.values)}."]},
        )
    if payment_status not in (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED, PaymentStatus.PAID):
        raise OrderValidationError(
            f"An order cannot arrive with payment status '{payment_status}'.",
            details={"payment_status": ["Must be one of: unpaid, authorized, paid."]},
        )

    order_lines = []
    for index, line in enumerate(lines):
        try:
            quantity = int(line["quantity"])
            unit_price = Decimal(str(line["unit_price"])).quantize(Decimal("0.01"))
            sku, name = str(line["sku"]).strip(), str(line["name"]).strip()
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise OrderValidationError(
                "Each line needs a sku, a name, a whole quantity and a decimal unit price.",
                details={f"lines[{index}]": ["Missing or malformed sku, name, quantity or price."]},
            ) from None
        if not sku or not unit_price.is_finite() or quantity <= 0 or unit_price < 0:
            raise OrderValidationError(
                "Each line needs a SKU, a positive quantity and a price that is not negative.",
                details={f"lines[{index}]": ["Invalid quantity or unit price."]},
            )
        order_lines.append(
            {
                "sku": sku,
                "name": name,
                "category": line.get("category", ""),
                "quantity": quantity,
                "unit_price": unit_price,
                "line_total": unit_price * quantity,
            }
        )
    subtotal = sum((line["line_total"] for line in order_lines), Decimal("0.00"))
    try:
        shipping_price = Decimal(str(shipping_price)).quantize(Decimal("0.01"))
    except ArithmeticError:
        shipping_price = Decimal("NaN")
    if not shipping_price.is_finite() or shipping_price < 0:
        raise OrderValidationError(
            "The shipping price must be a decimal amount, 0 or more.",
            details={"shipping_price": ["Must be a decimal amount, 0 or more."]},
        )
    return {
        "storefront": storefront,
        "external_id": external_id,
        "customer": customer,
        "shipping_address": shipping_address,
        "order_lines": order_lines,
        "payment_method": payment_method,
        "payment_status": payment_status,
        "priority": priority,
        "currency": currency,
        "subtotal": subtotal,
        "shipping_price": shipping_price,
        "total": subtotal + shipping_price,
        "actor": actor,
    }


def _order_insert_failure_explain(
    error: IntegrityError, request: dict[str, Any], *, number: str, last_try: bool
) -> None:
    """After an insert failed on a unique index (its transaction rolled back): why?

    A reused external id is the client's conflict (409). A taken order number
    returns, so that the caller tries another, unless this was the last try.
    Anything else is not the client's doing: `error` goes on, to be logged as a 500.
    """
    if Order.objects.filter(
        storefront=request["storefront"], external_id=request["external_id"]
    ).exists():
        raise OrderConflict(
            f"Order with external id '{request['external_id']}' already exists.",
            details={"external_id": ["Already used by another order of this storefront."]},
        ) from None
    if last_try or not Order.objects.filter(number=number).exists():
        raise error


def _order_insert(
    *,
    storefront: Storefront,
    number: str,
    customer: dict[str, str],
    shipping_address: dict[str, str],
    order_lines: list[dict[str, Any]],
    actor: Actor,
    **order_fields: Any,
) -> tuple[Order, list[OrderLine], OrderEvent]:
    """Write the order and everything that comes with it. Call it inside a transaction.

    It takes no savepoint: a unique index that refuses a row fails the whole
    transaction, and the caller explains it or tries again (ORDER_CREATE_TRIES).
    """
    customer_row = _customer_upsert(storefront=storefront, **customer)
    address = Address.objects.create(customer=customer_row, **shipping_address)
    order = Order.objects.create(
        number=number,
        storefront=storefront,
        customer=customer_row,
        shipping_address=address,
        amount_paid=order_fields["total"]
        if order_fields["payment_status"] == PaymentStatus.PAID
        else Decimal("0.00"),
        **order_fields,
    )
    lines = OrderLine.objects.bulk_create([OrderLine(order=order, **line) for line in order_lines])
    event = OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.CREATED,
        to_status=OrderStatus.RECEIVED,
        actor=actor if actor is not None and actor.is_authenticated else None,
        customer_visible=True,
    )
    publish(OrderCreated(order=order))
    _side_effects_register([event])
    return order, lines, event


def _customer_for_update(*, storefront: Storefront, email: str) -> Customer | None:
    """The storefront's customer with this e-mail (any case), locked; None if there is none.

    lower(email) = lower(...) is the form of the unique index, so it is one index
    lookup (email__iexact compiles to UPPER() and would read every customer of
    the storefront). Locked: an erasure running now (privacy.services) is waited
    for, and the erased row, whose e-mail no longer matches, is skipped, so the
    order gets a new customer. Written as SQL because every API order runs it and
    compiling the ORM query cost more than running it.
    """
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = Customer.objects.raw(
        f"SELECT * FROM {Customer._meta.db_table} "  # noqa: S608 - the model's own table
        f"WHERE storefront_id = %s AND lower(email) = lower(%s) ORDER BY id LIMIT 1{lock}",
        [storefront.pk, email],
    )
    return next(iter(found), None)


def _customer_upsert(
    *, storefront: Storefront, email: str, name: str, phone: str = "", language: str = ""
) -> Customer:
    """The storefront's customer with this e-mail, created or brought up to date.

    A new customer's row is inserted straight away (one statement); when the
    e-mail is known the insert does nothing and the row is read and locked. A
    concurrent first order of the same new customer waits on the unique index
    and then finds the row; one whose row an erasure changed meanwhile inserts
    a new customer (see _customer_for_update).
    """
    for _ in range(2):
        created = _customer_insert_unless_known(
            storefront=storefront,
            email=email,
            name=name,
            phone=phone,
            language=language or storefront.default_language,
        )
        if created is not None:
            return created
        customer = _customer_for_update(storefront=storefront, email=email)
        if customer is not None:
            break
    else:  # erased between the two statements, twice: nothing to build on, say so
        raise OrderConflict(
            "The customer's record changed while this order was being stored. Send it again.",
            details={"customer.email": [email]},
        )
    changed = {"name": name, "phone": phone or customer.phone}
    if language:
        changed["language"] = language
    changed = {
        field: value for field, value in changed.items() if getattr(customer, field) != value
    }
    if changed:  # a returning customer usually sends the same details: no write then
        for field, value in changed.items():
            setattr(customer, field, value)
        customer.save(update_fields=[*changed, "updated_at"])
    return customer


def _customer_insert_unless_known(**fields: Any) -> Customer | None:
    """Insert a customer unless the storefront knows the e-mail; the new row, or None.

    INSERT ... ON CONFLICT DO NOTHING: no savepoint, no read first. Values are
    prepared as the ORM's insert prepares them (defaults, auto_now, adapters).
    """
    customer = Customer(**fields)
    columns = [field for field in Customer._meta.concrete_fields if not field.primary_key]
    values = [
        field.get_db_prep_save(field.pre_save(customer, add=True), connection) for field in columns
    ]
    names = ", ".join(connection.ops.quote_name(field.column) for field in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Customer._meta.db_table} ({names}) "  # noqa: S608 - the model's own table and columns
            f"VALUES ({', '.join(['%s'] * len(values))}) ON CONFLICT DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return None
    customer.pk = row[0]
    customer._state.adding = False
    customer._state.db = connection.alias
    return customer


class _KeyTaken(Exception):
    """The idempotency key was claimed by an earlier request: roll this one's order back."""


def order_create_idempotent(
    *, storefront: Storefront, idempotency_key: str, request_body: Any, **order_fields: Any
) -> tuple[Order, bool]:
    """Create the order once per (storefront, key); return it and whether it was created now.

    The same key with the same body returns the first order; with another body
    it is refused (422). The key row is written last, in the order's transaction:
    a concurrent request with the same key waits on its unique index, finds it
    taken and rolls its own order back, then answers as a replay. A refused
    request writes no key, so the client can fix the request and retry with the
    same key. Keys expire after IDEMPOTENCY_KEY_TTL_SECONDS.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 255:
        raise OrderValidationError(
            "Send an Idempotency-Key header (1 to 255 characters) with each new order.",
            details={"Idempotency-Key": ["This header is required, at most 255 characters."]},
        )
    request_hash = hashlib.sha256(
        json.dumps(request_body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()
    request = _order_request_check(storefront=storefront, **order_fields)

    for attempt in range(1, ORDER_CREATE_TRIES + 1):
        now, number = timezone.now(), order_number_generate()
        try:
            with transaction.atomic():
                order, lines, event = _order_insert(number=number, **request)
                if not _idempotency_key_claim(
                    storefront=storefront,
                    key=key,
                    request_hash=request_hash,
                    order=order,
                    now=now,
                ):
                    raise _KeyTaken
        except (_KeyTaken, IntegrityError) as error:
            replayed = _idempotency_key_replay(
                storefront=storefront, key=key, request_hash=request_hash, now=now
            )
            if replayed is not None:
                return replayed, False
            if isinstance(error, IntegrityError):
                _order_insert_failure_explain(
                    error, request, number=number, last_try=attempt == ORDER_CREATE_TRIES
                )
            continue  # the key had expired and is free again, or the number was taken
        # The caller answers with the new order: its rows are in memory, no need to read them back.
        return rows_known(order, lines=lines, events=[event]), True
    raise OrderConflict(
        "The order could not be stored because of a concurrent change. Try again.", details={}
    )


def _idempotency_key_replay(
    *, storefront: Storefront, key: str, request_hash: str, now: datetime
) -> Order | None:
    """The order an earlier request with this key created, if the key is taken and alive.

    Refuses (422) the key with another body. An expired key is deleted (it is free
    again) and None returned, as when there is no key.
    """
    record = (
        IdempotencyKey.objects.select_related("order")
        .filter(storefront=storefront, key=key)
        .first()
    )
    if record is None:
        return None
    if record.expires_at <= now:
        IdempotencyKey.objects.filter(pk=record.pk, expires_at__lte=now).delete()
        return None
    if record.request_hash != request_hash:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used with a different request body.",
            details={"Idempotency-Key": [key]},
        )
    return record.order


def _idempotency_key_claim(
    *, storefront: Storefront, key: str, request_hash: str, order: Order, now: datetime
) -> bool:
    """Insert the key row for `order` unless (storefront, key) exists; False if taken.

    ON CONFLICT DO NOTHING waits for a concurrent insert of the same key to commit
    or roll back, as the unique index would, but does not fail the transaction.
    """
    table = IdempotencyKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} "  # noqa: S608 - the model's own table name
            "(storefront_id, key, request_hash, order_id, created_at, expires_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (storefront_id, key) DO NOTHING RETURNING id",
            [
                storefront.pk,
                key,
                request_hash,
                order.pk,
                now,
                now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS),
            ],
        )
        return cursor.fetchone() is not None


def idempotency_keys_expired_delete(*, now=None) -> int:
    """Delete idempotency keys past their lifetime; return how many."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


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


def storefront_create(
    *,
    name: str,
    code: str = "",
    currency: str = "VND",
    webhook_url: str = "",
    default_language: str = "en",
) -> tuple[Storefront, str]:
    """Create a storefront and its first API key; return both (the key in clear, once)."""
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import URLValidator
    from django.utils.text import slugify

    from shared.money import ISO_4217_CODES

    from .models import StorefrontAPIKey

    name = name.strip()
    code = slugify(code or name)[:40]
    currency = currency.upper()
    if not name or not code:
        raise OrderValidationError("A storefront needs a name.")
    if currency not in ISO_4217_CODES:
        raise OrderValidationError(f"'{currency}' is not an ISO 4217 currency code.")
    if webhook_url:
        try:
            URLValidator(schemes=["http", "https"])(webhook_url)
        except DjangoValidationError:
            raise OrderValidationError(f"'{webhook_url}' is not an http(s) URL.") from None
    if Storefront.objects.filter(code=code).exists():
        raise OrderConflict(f"A storefront with code '{code}' already exists.")
    with transaction.atomic():
        storefront = Storefront.objects.create(
            name=name,
            code=code,
            currency=currency,
            webhook_url=webhook_url,
            default_language=default_language,
        )
        _api_key, key = StorefrontAPIKey.objects.create_key(
            name=f"{code} key", storefront=storefront
        )
    return storefront, key


@dataclass(frozen=True)
class APIKeyRotation:
    """What `storefront_api_key_rotate` did: the new key (in clear, once) and the old ones."""

    api_key: StorefrontAPIKey
    key: str
    revoked_prefixes: list[str]
    still_active_prefixes: list[str]


def storefront_api_key_rotate(
    *, storefront: Storefront, revoke_old: bool = False, actor: AbstractBaseUser | None = None
) -> APIKeyRotation:
    """Issue a new API key for `storefront`; revoke its other keys now if `revoke_old`.

    Without `revoke_old` the old keys keep working, so the storefront can switch to the
    new key without downtime; revoke the old one in the admin afterwards.
    """
    with transaction.atomic():
        # One rotation per storefront at a time: two at once could each revoke the other's key.
        Storefront.objects.select_for_update().get(pk=storefront.pk)
        old_keys = StorefrontAPIKey.objects.filter(storefront=storefront, revoked=False)
        old_prefixes = sorted(old_keys.values_list("prefix", flat=True))
        if revoke_old:
            old_keys.update(revoked=True)
        api_key, key = StorefrontAPIKey.objects.create_key(
            name=f"rotated {timezone.now():%Y-%m-%d %H:%M}", storefront=storefront
        )
    logger.info(
        "API key %s issued for storefront %s by %s; %s",
        api_key.prefix,
        storefront.code,
        actor or "the system",
        f"revoked {', '.join(old_prefixes) or 'none'}" if revoke_old else "old keys kept",
    )
    return APIKeyRotation(
        api_key=api_key,
        key=key,
        revoked_prefixes=old_prefixes if revoke_old else [],
        still_active_prefixes=[] if revoke_old else old_prefixes,
    )
