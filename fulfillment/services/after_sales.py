"""After-sales requests: returns, exchanges, complaints and warranty claims.

A request follows its own small FSM (open -> approved | rejected, approved ->
item_received -> resolved). The order moves only through
`orders.services.order_transition`: opening the first request moves a
delivered order to post_delivery; once every request is rejected or resolved,
`complete` is allowed again (run by staff, or by the return-window task).
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import can_proceed

from orders.events import AfterSalesOpened, AfterSalesResolved, AfterSalesStatusChanged, publish
from orders.locking import order_lock, order_row_lock
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus, PaymentStatus, Storefront
from orders.services import (
    AFTER_SALES_OPEN_SERVICE,
    order_create,
    order_transition,
    refund_amount_validate,
)
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import (
    InvalidTransition,
    OrderError,
    OrderValidationError,
    TransitionPermissionDenied,
)
from shared.money import MONEY_LIMIT, amount_in_minor_units, format_money_stored

from ..models import (
    AfterSalesKind,
    AfterSalesLine,
    AfterSalesPhoto,
    AfterSalesRequest,
    AfterSalesResolution,
    AfterSalesSource,
    AfterSalesStatus,
    RefundProposalStatus,
)
from .photos import after_sales_photo_check
from .request_steps import (
    request_save,
    request_step,
    request_transition_require,
    request_version_require,
)

logger = logging.getLogger(__name__)


AFTER_SALES_OPEN_STATUSES = (OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY)
MAX_PHOTOS = 3


def after_sales_kinds_open(order: Order, *, now: datetime | None = None) -> list[str]:
    """Return the kinds of request `order` may get now; the one rule every face follows.

    Returns, exchanges, complaints and warranty claims while the order is
    delivered or in post-delivery (the storefront's return window: the daily
    task completes the order when it ends). A warranty claim also on a completed
    order, up to AFTER_SALES_WARRANTY_DAYS (365) days after delivery; it is
    handled on its own and the order stays completed.
    """
    if order.status in AFTER_SALES_OPEN_STATUSES:
        return list(AfterSalesKind.values)
    now = now or timezone.now()
    warranty_ends = (
        order.delivered_at + timedelta(days=settings.AFTER_SALES_WARRANTY_DAYS)
        if order.delivered_at
        else None
    )
    if order.status == OrderStatus.COMPLETED and warranty_ends and now <= warranty_ends:
        return [AfterSalesKind.WARRANTY]
    return []


def after_sales_request_open(
    *,
    order: Order | int,
    kind: str,
    reason: str,
    lines: list[dict[str, Any]],
    source: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    photos: Sequence[UploadedFile] = (),
    submission_key: str = "",
) -> AfterSalesRequest:
    """Open a return, exchange, complaint or warranty claim on a delivered order.

    The first request moves the order from delivered to post_delivery through
    the transition service; later ones are added to the order's history.
    `photos` are checked and stored with the request. A `submission_key` seen
    before on this order returns that request instead of opening another, so a
    form sent twice opens one request.
    """
    if actor is not None and not actor.has_perm("orders.open_after_sales_order"):
        raise TransitionPermissionDenied(
            "You may not open after-sales requests.",
            details={"permission": "orders.open_after_sales_order"},
        )
    if kind not in AfterSalesKind.values:
        raise OrderValidationError(
            f"Unknown kind '{kind}'.",
            details={"kind": [f"Must be one of: {', '.join(AfterSalesKind.values)}."]},
        )
    if source not in AfterSalesSource.values:
        raise OrderValidationError(f"Unknown source '{source}'.")
    reason = (reason or "").strip()
    if not reason:
        raise OrderValidationError(
            "Say what is wrong.", details={"reason": ["This field is required."]}
        )
    if kind != AfterSalesKind.COMPLAINT and not lines:
        raise OrderValidationError(
            "Name the items this request is about.",
            details={"lines": ["This list may not be empty for a return, exchange or claim."]},
        )
    if len(photos) > MAX_PHOTOS:
        raise OrderValidationError(
            f"Send at most {MAX_PHOTOS} photos.",
            details={"photo": [f"Send at most {MAX_PHOTOS} photos."]},
        )
    checked_photos = [after_sales_photo_check(photo) for photo in photos]
    order_pk = order.pk if isinstance(order, Order) else order
    stored: list[AfterSalesPhoto] = []
    try:
        with transaction.atomic():
            request, created = _after_sales_request_insert(
                order_pk=order_pk,
                kind=kind,
                reason=reason,
                lines=lines,
                source=source,
                actor=actor,
                submission_key=submission_key[:64],
            )
            if created:
                for photo in checked_photos:
                    stored.append(
                        AfterSalesPhoto.objects.create(
                            request=request,
                            image=photo.content,
                            content_type=photo.content_type,
                            size_bytes=photo.content.size,
                        )
                    )
    except BaseException:
        # The rows are gone with the rollback; do not leave their files behind.
        for photo in stored:
            photo.image.delete(save=False)
        raise
    return request


def _after_sales_request_insert(
    *,
    order_pk: int,
    kind: str,
    reason: str,
    lines: list[dict[str, Any]],
    source: str,
    actor: Actor,
    submission_key: str,
) -> tuple[AfterSalesRequest, bool]:
    """Write the request, its lines and the order's history; return it and whether it is new."""
    locked = order_lock(order_pk)
    if submission_key:
        seen = AfterSalesRequest.objects.filter(order=locked, submission_key=submission_key).first()
        if seen is not None:
            return seen, False
    if kind not in after_sales_kinds_open(locked):
        raise InvalidTransition(
            f"Order {locked.number} is {locked.status}; returns and complaints can be "
            "opened only after delivery, while the return window is open, and warranty "
            f"claims up to {settings.AFTER_SALES_WARRANTY_DAYS} days after delivery.",
            details={"status": locked.status, "kind": kind},
        )
    request_lines = _after_sales_lines_resolve(locked, lines)
    request = AfterSalesRequest.objects.create(
        order=locked,
        kind=kind,
        reason=reason,
        source=source,
        opened_by=actor if actor is not None and actor.is_authenticated else None,
        submission_key=submission_key,
    )
    for line in request_lines:
        line.request = request
    AfterSalesLine.objects.bulk_create(request_lines)
    moves_order = locked.status == OrderStatus.DELIVERED
    if moves_order:
        locked = order_transition(
            order=locked,
            transition="open_after_sales",
            # Staff who opened it are on the history; a customer or a storefront is not a user.
            actor=actor_or_none(actor),
            note=f"{request.get_kind_display()} request #{request.pk} opened ({source}).",
            # The one caller the order's `open_after_sales` answers to.
            owner=AFTER_SALES_OPEN_SERVICE,
        )
    else:
        OrderEvent.objects.create(
            order=locked,
            event_type=OrderEventType.AFTER_SALES_OPENED,
            note=f"{request.get_kind_display()} request #{request.pk} opened ({source}).",
            customer_visible=True,
            data={"after_sales_request": request.pk, "kind": kind},
        )
    publish(
        AfterSalesOpened(
            order=locked,
            request_id=request.pk,
            kind=kind,
            source=source,
            order_status_changed=moves_order,
        )
    )
    return request, True


def _after_sales_lines_resolve(order: Order, lines: list[dict[str, Any]]) -> list[AfterSalesLine]:
    """Match the requested SKUs to the order's lines; quantities may not exceed what was bought."""
    order_lines = {line.sku: line for line in order.lines.all()}
    errors: dict[str, list[str]] = {}
    resolved = []
    for index, requested in enumerate(lines):
        sku = requested.get("sku")
        quantity = requested.get("quantity")
        order_line = order_lines.get(sku)
        if order_line is None:
            errors[f"lines[{index}].sku"] = [f"Order {order.number} has no line with SKU '{sku}'."]
        elif not isinstance(quantity, int) or not 0 < quantity <= order_line.quantity:
            errors[f"lines[{index}].quantity"] = [
                f"Must be between 1 and {order_line.quantity} (the quantity ordered)."
            ]
        else:
            resolved.append(AfterSalesLine(order_line=order_line, quantity=quantity))
    if errors:
        raise OrderValidationError("Some lines do not match the order.", details=errors)
    return resolved


# -- handling a request ---------------------------------------------------------

HANDLE_PERMISSION = "fulfillment.handle_aftersalesrequest"
SETTLED_STATUSES = (AfterSalesStatus.REJECTED, AfterSalesStatus.RESOLVED)

# What staff may do to a request before resolving it, and what the history says.
_ADVANCE_TRANSITIONS = {
    "approve": ("approved", True),
    "reject": ("rejected", True),
    # Internal: the customer learns of progress from the resolution that follows.
    "receive_item": ("items received", False),
}


def _handle_permission_require(actor: Actor) -> None:
    permission_require(actor, HANDLE_PERMISSION, "handle after-sales requests")


def after_sales_request_lock(
    request: AfterSalesRequest | int,
    *,
    actor: Actor,
    expected_updated_at: datetime | None = None,
) -> tuple[Order, AfterSalesRequest]:
    """Lock the order, then the request: the same order as every other order change.

    Refuse (403) staff working another team's order, like every order change,
    and (412) a form posted from a page older than the request's last change.
    """
    request_pk = request.pk if isinstance(request, AfterSalesRequest) else request
    found = order_row_lock(AfterSalesRequest.objects, request_pk, actor=actor)
    if found is None:
        raise OrderValidationError(
            f"After-sales request {request_pk} does not exist.",
            details={"request": ["Unknown request."]},
        )
    order, locked = found
    request_version_require(
        locked,
        expected_updated_at,
        label=after_sales_request_label(locked),
        status=locked.get_status_display().lower(),
    )
    return order, locked


def after_sales_request_label(request: AfterSalesRequest) -> str:
    """Name the request as staff and the history read it: "Return request #12"."""
    return f"{request.get_kind_display()} request #{request.pk}"


def after_sales_note(
    *,
    order_pk: int,
    request: AfterSalesRequest,
    actor: Actor,
    note: str,
    customer_visible: bool,
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """Bump the order's version and write a history row about `request`.

    The version goes up through an UPDATE rather than a save of the locked
    instance: `order_transition` may have changed (and saved) the order since.
    Its kind reads to the customer as "Request #n: <status>" (fulfillment.history).
    """
    Order.objects.filter(pk=order_pk).update(version=F("version") + 1, updated_at=timezone.now())
    return OrderEvent.objects.create(
        order_id=order_pk,
        event_type=OrderEventType.AFTER_SALES_CHANGED,
        actor=actor_or_none(actor),
        note=note,
        customer_visible=customer_visible,
        data={
            "after_sales_request": request.pk,
            "after_sales_status": request.status,
            **(data or {}),
        },
    )


def _fsm_refusal(request: AfterSalesRequest, action: str) -> InvalidTransition:
    return InvalidTransition(
        f"Cannot {action} {after_sales_request_label(request)}: "
        f"it is {request.get_status_display().lower()}.",
        details={"transition": action, "status": request.status},
    )


def after_sales_request_advance(
    *,
    request: AfterSalesRequest | int,
    transition: str,
    actor: Actor,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> AfterSalesRequest:
    """Approve, reject or mark the goods of an after-sales request received.

    With `expected_updated_at` (the request's `updated_at` the user saw), a
    request changed since is refused (412) rather than acted on blindly.
    A complaint without goods to send back still passes through item_received
    (staff run `receive_item` with a note saying nothing came back): DESIGN's
    graph resolves only from item_received.
    """
    request_transition_require(transition, _ADVANCE_TRANSITIONS, what="after-sales transition")
    _handle_permission_require(actor)
    done, customer_visible = _ADVANCE_TRANSITIONS[transition]
    note = (note or "").strip()
    with transaction.atomic():
        order, locked = after_sales_request_lock(
            request, actor=actor, expected_updated_at=expected_updated_at
        )
        request_step(
            locked,
            transition,
            refusal=_fsm_refusal(locked, transition.replace("_", " ")),
            label=after_sales_request_label(locked),
        )
        after_sales_note(
            order_pk=order.pk,
            request=locked,
            actor=actor,
            note=f"{after_sales_request_label(locked)} {done}." + (f" {note}" if note else ""),
            customer_visible=customer_visible,
            data={"transition": transition},
        )
        publish(
            AfterSalesStatusChanged(
                order=order,
                request_id=locked.pk,
                kind=locked.kind,
                transition=transition,
                status=locked.status,
            )
        )
    return locked


def _money(value: Decimal | str | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        # Not rounded: the currency's minor units are checked once the order is known.
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise OrderValidationError(
            f"'{value}' is not an amount of money.",
            details={field: ["Must be a decimal amount."]},
        ) from None
    if not amount.is_finite():
        raise OrderValidationError(
            f"'{value}' is not an amount of money.", details={field: ["Must be a decimal amount."]}
        )
    if amount.copy_abs() >= MONEY_LIMIT:  # the columns hold 14 digits, 2 after the point
        raise OrderValidationError(
            f"'{value}' is too large an amount.",
            details={field: [f"Must be less than {MONEY_LIMIT:,}."]},
        )
    return amount


def after_sales_request_value(request: AfterSalesRequest) -> Decimal:
    """Return what the request's goods cost the customer (unit price x quantity per line)."""
    return sum(
        (line.order_line.unit_price * line.quantity for line in request.lines.all()),
        Decimal("0.00"),
    )


def after_sales_request_resolve(
    *,
    request: AfterSalesRequest | int,
    resolution: str,
    actor: Actor,
    amount: Decimal | None = None,
    note: str = "",
    expected_updated_at: datetime | None = None,
) -> AfterSalesRequest:
    """Settle a request whose goods are back with a refund, a replacement or store credit.

    refund: `amount` (default: the value of the request's lines) goes back
    through the order's `refund_payment` transition, as `actor`, who therefore
    needs `orders.refund_payment_order` too. replacement: a new order for the
    request's lines at no charge, confirmed into processing. credit: `amount`
    is required. The order is not completed here; `complete` is allowed once
    every request is settled. `expected_updated_at` as in `after_sales_request_advance`.
    """
    if resolution not in AfterSalesResolution.values:
        raise OrderValidationError(
            f"Unknown resolution '{resolution}'.",
            details={"resolution": [f"Must be one of: {', '.join(AfterSalesResolution.values)}."]},
        )
    _handle_permission_require(actor)
    amount = _money(amount, "amount")
    if resolution == AfterSalesResolution.CREDIT and (amount is None or amount <= 0):
        raise OrderValidationError(
            "Store credit needs an amount above 0.", details={"amount": ["Must be above 0."]}
        )
    note = (note or "").strip()

    with transaction.atomic():
        order, locked = after_sales_request_lock(
            request, actor=actor, expected_updated_at=expected_updated_at
        )
        after_sales_resolvable_require(locked)
        after_sales_request_settle(
            order, locked, resolution=resolution, amount=amount, actor=actor, note=note
        )
    return locked


def after_sales_resolvable_require(locked: AfterSalesRequest) -> None:
    """Refuse (409) resolving a request not ready for it, or with a refund waiting for approval."""
    if not can_proceed(locked.resolve):
        raise _fsm_refusal(locked, "resolve")
    if locked.refund_proposals.filter(status=RefundProposalStatus.PENDING).exists():
        raise InvalidTransition(
            f"{after_sales_request_label(locked)} has a refund proposal waiting for approval: "
            "finance or a manager approves or rejects it first.",
            details={"status": locked.status, "refund_proposal": "pending"},
        )


def after_sales_request_settle(
    order: Order,
    locked: AfterSalesRequest,
    *,
    resolution: str,
    amount: Decimal | None,
    actor: Actor,
    note: str,
) -> None:
    """Resolve the locked request (its order locked first): pay, ship or credit, then record it.

    Callers check who may; a refund runs `refund_payment` as `actor`, which
    checks the refund permission.
    """
    if amount is not None:
        # 1.5 VND or 0.005 USD is refused, never rounded, whatever the resolution.
        amount = amount_in_minor_units(amount, order.currency, field="amount")
    label = after_sales_request_label(locked)
    data: dict[str, Any] = {"resolution": resolution}
    if resolution == AfterSalesResolution.REFUND:
        amount = after_sales_refund_check(order, locked, amount)
        order_transition(
            order=order.pk,
            transition="refund_payment",
            actor=actor,
            amount=amount,
            note=f"Refund for {label}.",
        )
        locked.refund_amount = amount
        data["amount"] = str(amount)
        # The note is stored text: the amount in the default language (and in `data`).
        summary = f"refunded {format_money_stored(amount, order.currency)}"
    elif resolution == AfterSalesResolution.REPLACEMENT:
        replacement = _replacement_order_create(order, locked, actor=actor)
        locked.replacement_order = replacement
        data["replacement_order"] = replacement.number
        summary = f"replacement order {replacement.number} sent"
    else:
        locked.credit_amount = amount
        data["amount"] = str(amount)
        summary = f"store credit of {format_money_stored(amount, order.currency)}"
    locked.resolve(resolution=resolution)
    request_save(locked, label=label)
    after_sales_note(
        order_pk=order.pk,
        request=locked,
        actor=actor,
        note=f"{label} resolved: {summary}." + (f" {note}" if note else ""),
        customer_visible=True,
        data=data,
    )
    publish(
        AfterSalesResolved(
            order=order,
            request_id=locked.pk,
            kind=locked.kind,
            resolution=resolution,
            amount=None if resolution == AfterSalesResolution.REPLACEMENT else amount,
            replacement_order=data.get("replacement_order", ""),
        )
    )


def after_sales_refund_check(
    order: Order, request: AfterSalesRequest, amount: Decimal | None
) -> Decimal:
    if amount is None:
        amount = after_sales_request_value(request)
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        raise InvalidTransition(
            f"Order {order.number} has payment status '{order.payment_status}'; "
            "only paid money can be refunded.",
            details={"payment_status": order.payment_status},
        )
    # The order's one rule for a refund's size (and its words: "at most ₫210").
    return refund_amount_validate(order, amount)


def _replacement_order_create(order: Order, request: AfterSalesRequest, *, actor: Actor) -> Order:
    """Create the replacement order at no charge and move it to processing."""
    lines = [
        {
            "sku": line.order_line.sku,
            "name": line.order_line.name,
            "category": line.order_line.category,
            "quantity": line.quantity,
            # The customer paid for these on the original order; finance sees no new revenue.
            "unit_price": "0.00",
        }
        for line in request.lines.select_related("order_line").order_by("id")
    ]
    if not lines:
        raise OrderValidationError(
            f"{after_sales_request_label(request)} names no items to replace.",
            details={"resolution": ["A replacement needs the request to name its items."]},
        )
    customer, address = order.customer, order.shipping_address
    replacement = order_create(
        storefront=order.storefront,
        external_id=f"{order.external_id}-R{request.pk}",
        customer={"email": customer.email, "name": customer.name, "phone": customer.phone},
        shipping_address={
            field: getattr(address, field)
            for field in (
                "name",
                "line1",
                "line2",
                "city",
                "province",
                "postal_code",
                "country",
                "phone",
            )
        },
        lines=lines,
        payment_method=order.payment_method,
        payment_status=PaymentStatus.PAID,
        shipping_price=Decimal("0.00"),
        currency=order.currency,
        actor=actor,
    )
    return order_transition(
        order=replacement.pk,
        transition="confirm",
        actor=None,
        note=f"Replacement for order {order.number} "
        f"({after_sales_request_label(request)}); no charge.",
    )


# -- the return window ----------------------------------------------------------

RETURN_WINDOW_BATCH_SIZE = 500


def orders_past_return_window(*, now: datetime) -> Any:
    """Return delivered or post_delivery orders past their storefront's window, nothing open."""
    windows = Storefront.objects.values_list("return_window_days", flat=True).distinct()
    past_window = Q(pk__in=[])
    # One condition per distinct window length: a handful, and portable date arithmetic.
    for days in windows:
        past_window |= Q(
            storefront__return_window_days=days, delivered_at__lt=now - timedelta(days=days)
        )
    return (
        Order.objects.filter(
            past_window, status__in=[OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY]
        )
        .exclude(
            after_sales_requests__status__in=[
                status for status in AfterSalesStatus.values if status not in SETTLED_STATUSES
            ]
        )
        .order_by("delivered_at", "id")
    )


def orders_complete_after_return_window(*, now: datetime | None = None) -> int:
    """Complete orders whose return window is over with nothing open; return how many.

    At most RETURN_WINDOW_BATCH_SIZE per run, each in its own transaction as
    the system; an order that fails is logged and left for the next run.
    """
    now = now or timezone.now()
    order_pks = list(
        orders_past_return_window(now=now).values_list("pk", flat=True)[:RETURN_WINDOW_BATCH_SIZE]
    )
    completed = 0
    for order_pk in order_pks:
        try:
            order_transition(
                order=order_pk,
                transition="complete",
                actor=None,
                note="Return window over; nothing open.",
            )
        except OrderError as error:
            logger.warning("return window: order %s not completed: %s", order_pk, error.message)
            continue
        completed += 1
    return completed
