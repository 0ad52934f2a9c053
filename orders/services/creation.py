"""Creating orders: checked, numbered, with their customer, and once per idempotency key."""

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from customers.models import Address, Customer
from shared.actors import Actor, permission_require
from shared.errors import IdempotencyConflict, OrderConflict, OrderValidationError
from shared.money import MONEY_LIMIT, amount_in_minor_units
from shared.parsing import INTEGER_MAX
from shared.prefetch import rows_known

from ..events import OrderCreated, publish
from ..models import (
    IdempotencyKey,
    Order,
    OrderChannel,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
    Storefront,
)
from ..planning import confirmation_clock
from .transitions import _side_effects_register, order_auto_confirm, order_auto_confirm_wanted

_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


# A new number collides with one of a million orders about once in a million
# orders: the insert then fails, and the creation is tried again with another
# number in a new transaction, rather than reading before each insert or paying a
# savepoint for every order.
ORDER_CREATE_TRIES = 3

# Staff who take an order for a customer (phone, chat, counter, the API with a staff token).
TAKE_ORDER_PERMISSION = "orders.take_order"


def order_total_compute(
    *,
    subtotal: Decimal,
    shipping_price: Decimal,
    discount_total: Decimal = Decimal("0.00"),
    tax_total: Decimal = Decimal("0.00"),
    taxes_included: bool = False,
) -> Decimal:
    """The one rule for an order's total: goods less discounts, plus shipping, plus tax.

    Tax is added only when the prices do not already include it (the shop says
    which); included tax is kept on the order to be shown, not counted twice.
    """
    return (
        subtotal
        - discount_total
        + shipping_price
        + (Decimal("0.00") if taxes_included else tax_total)
    )


def order_amount_read(value: Any, currency: str, *, field: str, what: str) -> Decimal:
    """An order-level amount (shipping, discounts, tax): in the currency's units, 0 or more."""
    amount = amount_in_minor_units(value, currency, field=field)
    if amount < 0:
        raise OrderValidationError(
            f"{what} must be a decimal amount, 0 or more.",
            details={field: ["Must be a decimal amount, 0 or more."]},
        )
    _money_within_column(field, amount, what)
    return amount


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
                order, _lines, _events = _order_insert(number=number, **request)
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
    channel: str = "",
    note: str = "",
    discount_total: Decimal | str = Decimal("0.00"),
    tax_total: Decimal | str = Decimal("0.00"),
    taxes_included: bool = False,
    platform_reference: str = "",
) -> dict[str, Any]:
    """Refuse (400) what no order may be; return the keyword arguments of `_order_insert`.

    A `channel` (OrderChannel) marks an order a staff member took for a customer:
    `actor` must hold TAKE_ORDER_PERMISSION (403 otherwise), and the created
    history row keeps the channel and the staff member's `note`.
    """
    if channel:
        if channel not in OrderChannel.values:
            raise OrderValidationError(
                f"Unknown channel '{channel}'.",
                details={"channel": [f"Must be one of: {', '.join(OrderChannel.values)}."]},
            )
        if actor is None or not actor.is_authenticated:
            raise OrderValidationError(
                "An order taken for a customer names the staff member who took it.",
                details={"actor": ["Required with a channel."]},
            )
        permission_require(actor, TAKE_ORDER_PERMISSION, "take orders for customers")
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
            raw_price = line["unit_price"]
            sku, name = str(line["sku"]).strip(), str(line["name"]).strip()
        except (KeyError, TypeError, ValueError, ArithmeticError):
            raise OrderValidationError(
                "Each line needs a sku, a name, a whole quantity and a decimal unit price.",
                details={f"lines[{index}]": ["Missing or malformed sku, name, quantity or price."]},
            ) from None
        # A price with more decimals than the currency has is refused, never rounded.
        unit_price = amount_in_minor_units(raw_price, currency, field=f"lines[{index}]")
        if not sku or quantity <= 0 or unit_price < 0:
            raise OrderValidationError(
                "Each line needs a SKU, a positive quantity and a price that is not negative.",
                details={f"lines[{index}]": ["Invalid quantity or unit price."]},
            )
        _line_within_columns(index=index, quantity=quantity, unit_price=unit_price)
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
    shipping_price = order_amount_read(
        shipping_price, currency, field="shipping_price", what="The shipping price"
    )
    discount_total = order_amount_read(
        discount_total, currency, field="discount_total", what="The discount"
    )
    tax_total = order_amount_read(tax_total, currency, field="tax_total", what="The tax")
    total = order_total_compute(
        subtotal=subtotal,
        shipping_price=shipping_price,
        discount_total=discount_total,
        tax_total=tax_total,
        taxes_included=bool(taxes_included),
    )
    _money_within_column("total", total, "The order total")
    if total < 0:
        raise OrderValidationError(
            "The discount is larger than the goods, shipping and tax together.",
            details={"discount_total": ["Larger than the order it discounts."]},
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
        "discount_total": discount_total,
        "tax_total": tax_total,
        "taxes_included": bool(taxes_included),
        "platform_reference": str(platform_reference or "")[:64],
        "total": total,
        "actor": actor,
        "created_event": {"note": note, "data": {"channel": channel} if channel else {}},
    }


def _money_within_column(field: str, amount: Decimal, what: str) -> None:
    """Refuse an amount the money columns cannot hold: the insert would fail as a database error."""
    if amount.copy_abs() >= MONEY_LIMIT:
        message = f"Must be less than {MONEY_LIMIT:,}."
        raise OrderValidationError(f"{what} is too large. {message}", details={field: [message]})


def _line_within_columns(*, index: int, quantity: int, unit_price: Decimal) -> None:
    """Refuse a line whose quantity, price or total (price x quantity) its columns cannot hold."""
    if quantity > INTEGER_MAX:
        message = f"Must be at most {INTEGER_MAX:,}."
        raise OrderValidationError(
            f"The quantity of line {index + 1} is too large.",
            details={f"lines[{index}].quantity": [message]},
        )
    _money_within_column(f"lines[{index}].unit_price", unit_price, f"Line {index + 1}'s price")
    _money_within_column(
        f"lines[{index}]", unit_price * quantity, f"Line {index + 1}'s total (price x quantity)"
    )


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
    created_event: dict[str, Any],
    **order_fields: Any,
) -> tuple[Order, list[OrderLine], list[OrderEvent]]:
    """Write the order and everything that comes with it. Call it inside a transaction.

    It takes no savepoint: a unique index that refuses a row fails the whole
    transaction, and the caller explains it or tries again (ORDER_CREATE_TRIES).
    A storefront that confirms paid orders itself gets a paid one confirmed
    here, in the same transaction (`order_auto_confirm`); the returned events
    are then every history row of the order.
    """
    customer_row = _customer_upsert(storefront=storefront, **customer)
    address = Address.objects.create(customer=customer_row, **shipping_address)
    placed_at = timezone.now()
    order = Order.objects.create(
        number=number,
        storefront=storefront,
        customer=customer_row,
        shipping_address=address,
        amount_paid=order_fields["total"]
        if order_fields["payment_status"] == PaymentStatus.PAID
        else Decimal("0.00"),
        placed_at=placed_at,
        # The received stage's clock: computed here, so it costs no statement of its own.
        **confirmation_clock(storefront=storefront, start=placed_at),
        **order_fields,
    )
    lines = OrderLine.objects.bulk_create([OrderLine(order=order, **line) for line in order_lines])
    event = OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.CREATED,
        to_status=OrderStatus.RECEIVED,
        actor=actor if actor is not None and actor.is_authenticated else None,
        customer_visible=True,
        **created_event,
    )
    publish(OrderCreated(order=order))
    _side_effects_register([event])
    if order_auto_confirm_wanted(order):
        confirmed = order_auto_confirm(order)
        if confirmed is not order:
            # The rows the caller already has, on the confirmed order (no read back).
            confirmed.customer, confirmed.shipping_address = customer_row, address
            events = list(OrderEvent.objects.filter(order=confirmed).order_by("created_at", "id"))
            return confirmed, lines, events
    return order, lines, [event]


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
                order, lines, events = _order_insert(number=number, **request)
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
        return rows_known(order, lines=lines, events=events), True
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
