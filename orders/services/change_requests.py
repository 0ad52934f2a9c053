"""Customers' change requests: a new delivery address, or cancelling the order or some items.

Asked from the tracking page; the order changes only through the edit service
(`order_edit`, `order_cancel_lines`) and `order_transition("cancel")`, with the
reason "Asked by the customer", so the money, the history, the webhooks and
the e-mails follow as for any other change.

When a customer may ask (the order's stage; a held order counts as the stage
it was held from):
- a new delivery address until the order ships;
- a cancellation, whole or some items, until picking starts.

The storefront's rules grant a request at once, as the system: address
changes before packing starts (`customer_address_changes_auto`),
cancellations before picking (`customer_cancellations_auto`). Otherwise the
request waits in customer care's queue. One pending request per kind per
order.

Approving applies the request as the approving person. When the order has
moved on meanwhile (shipped, picking started) or the edit service refuses
(a packed line), the approval does not fail silently and the request does
not stay in the queue: it is marked rejected, with a reason the customer
reads, and the caller sees the status. A permission, team or bad-request
refusal writes nothing.
"""

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shared.actors import Actor, actor_or_none
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    TransitionPermissionDenied,
)

from ..events import ChangeRequestDecided, publish
from ..locking import order_lock, order_row_lock
from ..models import (
    ChangeRequestKind,
    ChangeRequestStatus,
    Order,
    OrderChangeRequest,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from .edits import order_cancel_lines, order_edit
from .transitions import order_transition

logger = logging.getLogger(__name__)

# The reason every change a customer asked for carries (history, webhooks, e-mails).
CUSTOMER_REASON = "Asked by the customer"
MESSAGE_MAX_LENGTH = 2000

# Until when customers may ask, and until when the storefront's rule grants at once.
ADDRESS_OPEN_STAGES = (
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
)
ADDRESS_AUTO_STAGES = (OrderStatus.RECEIVED, OrderStatus.PROCESSING, OrderStatus.PICKING)
CANCEL_OPEN_STAGES = (OrderStatus.RECEIVED, OrderStatus.PROCESSING)
CANCEL_AUTO_STAGES = CANCEL_OPEN_STAGES

# The address fields a customer gives: (name, required, longest).
ADDRESS_FIELDS = (
    ("name", True, 200),
    ("line1", True, 255),
    ("line2", False, 255),
    ("city", True, 120),
    ("province", False, 120),
    ("postal_code", False, 20),
    ("country", True, 2),
    ("phone", False, 40),
)

# Who may decide each kind (the same permissions as changing the order directly).
DECIDE_PERMISSIONS = {
    ChangeRequestKind.ADDRESS: "orders.edit_order",
    ChangeRequestKind.CANCEL_ORDER: "orders.cancel_order",
    ChangeRequestKind.CANCEL_ITEMS: "orders.cancel_order",
}
# Who sees the queue.
VIEW_PERMISSION = "orders.view_orderchangerequest"


def _stage(order: Order) -> str:
    """The stage that decides: a held order is where it was held from."""
    return order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status


def change_request_refusal(order: Order, kind: str) -> str:
    """Return why `kind` may not be asked for (or approved) on `order` now, in customers' words.

    "" when it may.
    """
    stage = _stage(order)
    if order.status == OrderStatus.CANCELLED:
        return _("This order has been cancelled.")
    if kind == ChangeRequestKind.ADDRESS:
        if stage not in ADDRESS_OPEN_STAGES:
            return _("The order has already left our warehouse, so the address can't be changed.")
        return ""
    if stage not in CANCEL_OPEN_STAGES:
        return _(
            "We have already started preparing the order, so it can no longer be cancelled "
            "here. Please contact us."
        )
    return ""


def change_request_kinds_open(order: Order) -> list[str]:
    """Return the kinds the customer may ask for now (the tracking page offers these)."""
    return [kind for kind in ChangeRequestKind.values if not change_request_refusal(order, kind)]


def change_request_applies_at_once(order: Order, kind: str) -> bool:
    """Whether the storefront's rule grants `kind` on `order` now, without care deciding."""
    storefront = order.storefront
    if kind == ChangeRequestKind.ADDRESS:
        return storefront.customer_address_changes_auto and _stage(order) in ADDRESS_AUTO_STAGES
    return storefront.customer_cancellations_auto and _stage(order) in CANCEL_AUTO_STAGES


def change_request_label(request: OrderChangeRequest) -> str:
    """Name the request as staff and the history read it: "Change request #3 (address)"."""
    return f"Change request #{request.pk} ({request.kind})"


# -- asking ---------------------------------------------------------------------------


def change_request_submit(
    *, order: Order | int, kind: str, data: dict[str, Any], message: str = ""
) -> OrderChangeRequest:
    """Record what the customer asks; apply it at once where the storefront's rule allows.

    `data`: `{"shipping_address": {name, line1, line2, city, postal_code,
    country, phone}}` for an address; `{"lines": [{"sku", "quantity"}]}` for
    cancelling items (quantities to cancel); nothing for cancelling the order.
    Refuses (400) bad data, (409) a kind the order's stage no longer allows or
    a second pending request of the same kind. Returns the request: `pending`,
    or `applied` when granted at once.
    """
    if kind not in ChangeRequestKind.values:
        raise OrderValidationError(
            f"Unknown kind '{kind}'.",
            details={"kind": [f"Must be one of: {', '.join(ChangeRequestKind.values)}."]},
        )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise OrderValidationError(
            _("Please keep the message under %(count)s characters.")
            % {"count": MESSAGE_MAX_LENGTH},
            details={
                "message": [_("At most %(count)s characters.") % {"count": MESSAGE_MAX_LENGTH}]
            },
        )
    order_pk = order.pk if isinstance(order, Order) else order
    with transaction.atomic():
        try:
            locked = order_lock(order_pk)
        except Order.DoesNotExist:
            raise OrderValidationError(f"Order {order_pk} does not exist.") from None
        refusal = change_request_refusal(locked, kind)
        if refusal:
            raise InvalidTransition(refusal, details={"kind": kind, "status": locked.status})
        _no_pending_require(locked, kind)
        request = OrderChangeRequest.objects.create(
            order=locked, kind=kind, data=_data_clean(locked, kind, data or {}), message=message
        )
        _history_write(locked, request, actor=None, note=f"{change_request_label(request)} asked.")
        if change_request_applies_at_once(locked, kind):
            _apply_at_once(locked, request)
    return request


def _no_pending_require(order: Order, kind: str) -> None:
    pending = set(
        OrderChangeRequest.objects.filter(
            order=order, status=ChangeRequestStatus.PENDING
        ).values_list("kind", flat=True)
    )
    if kind in pending:
        raise OrderConflict(
            _("You have already asked for this change; we will answer by e-mail."),
            details={"kind": kind},
        )
    if kind == ChangeRequestKind.CANCEL_ITEMS and ChangeRequestKind.CANCEL_ORDER in pending:
        raise OrderConflict(
            _("You have already asked us to cancel the whole order; we will answer by e-mail."),
            details={"kind": kind},
        )


def _data_clean(order: Order, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Return what is stored for the request, or refuse (400) naming the fields."""
    if kind == ChangeRequestKind.ADDRESS:
        return _address_clean(order, data.get("shipping_address"))
    if kind == ChangeRequestKind.CANCEL_ITEMS:
        return {"lines": _lines_clean(order, data.get("lines"))}
    return {}


def address_as_dict(address: Any) -> dict[str, str]:
    """The order's address as the edit service takes it."""
    return {name: getattr(address, name) or "" for name, _required, _longest in ADDRESS_FIELDS}


def _address_clean(order: Order, address: Any) -> dict[str, Any]:
    if not isinstance(address, dict):
        raise OrderValidationError(
            _("Give the new delivery address."),
            details={"shipping_address": [_("This field is required.")]},
        )
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, required, longest in ADDRESS_FIELDS:
        value = address.get(name, "")
        value = value.strip() if isinstance(value, str) else ""
        if required and not value:
            errors[name] = [_("This field is required.")]
        elif len(value) > longest:
            errors[name] = [_("At most %(count)s characters.") % {"count": longest}]
        cleaned[name] = value
    country = cleaned["country"].upper()
    if "country" not in errors and not (
        len(country) == 2 and country.isascii() and country.isalpha()
    ):
        errors["country"] = [_("Use the two-letter country code, e.g. VN.")]
    cleaned["country"] = country
    if errors:
        raise OrderValidationError(_("Check the new address."), details=errors)
    before = address_as_dict(order.shipping_address)
    if cleaned == before:
        raise OrderValidationError(
            _("This is already the delivery address of your order."),
            details={"shipping_address": [_("Nothing would change.")]},
        )
    return {"shipping_address": cleaned, "shipping_address_before": before}


def _lines_clean(order: Order, lines: Any) -> list[dict[str, Any]]:
    """The quantities to cancel, each within what the line has; at least one."""
    order_lines = {line.sku: line for line in order.lines.all()}
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, line in enumerate(lines if isinstance(lines, list) else []):
        sku = line.get("sku") if isinstance(line, dict) else None
        quantity = line.get("quantity") if isinstance(line, dict) else None
        order_line = order_lines.get(sku) if isinstance(sku, str) else None
        if order_line is None or sku in seen:
            errors[f"lines[{index}].sku"] = [_("This item is not on the order.")]
            continue
        seen.add(sku)
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            errors[f"lines[{index}].quantity"] = [_("Enter a whole number.")]
        elif quantity == 0:
            continue
        elif not 0 < quantity <= order_line.quantity:
            errors[f"lines[{index}].quantity"] = [
                _("Between 0 and %(count)s.") % {"count": order_line.quantity}
            ]
        else:
            cleaned.append({"sku": sku, "name": order_line.name, "quantity": quantity})
    if errors:
        raise OrderValidationError(_("Check the quantities to cancel."), details=errors)
    if not cleaned:
        raise OrderValidationError(
            _("Choose at least one item to cancel."),
            details={"lines": [_("Choose at least one item to cancel.")]},
        )
    return cleaned


def _apply_at_once(order: Order, request: OrderChangeRequest) -> None:
    """Grant the request as the system; if the change is refused, it waits for care instead."""
    try:
        with transaction.atomic():
            _apply(order, request, actor=None)
    except (InvalidTransition, OrderConflict, OrderValidationError) as error:
        logger.warning(
            "%s on order %s not applied at once, left for care: %s",
            change_request_label(request),
            order.number,
            error.message,
        )
        return
    _decide(order, request, status=ChangeRequestStatus.APPLIED, actor=None, note="")


# -- deciding -------------------------------------------------------------------------


def change_request_permission_require(request: OrderChangeRequest, actor: Actor) -> None:
    """Refuse (403) a person who may not make the change the request asks for."""
    permission = DECIDE_PERMISSIONS[request.kind]
    if actor is not None and not actor.has_perm(permission):
        raise TransitionPermissionDenied(
            _("You may not decide this kind of request."), details={"permission": permission}
        )


def user_may_decide(request: OrderChangeRequest, user: Any) -> bool:
    """Whether the queue offers `user` the buttons for `request`."""
    return user.has_perm(DECIDE_PERMISSIONS[request.kind])


def _request_lock(
    request: OrderChangeRequest | int, actor: Actor
) -> tuple[Order, OrderChangeRequest]:
    """Lock the order, then the request (the order of every order change); check who and what."""
    request_pk = request.pk if isinstance(request, OrderChangeRequest) else request
    kind = OrderChangeRequest.objects.filter(pk=request_pk).values_list("kind", flat=True).first()
    if kind is None:
        raise OrderValidationError(
            f"Change request {request_pk} does not exist.", details={"request": ["Unknown."]}
        )
    # Before any lock: a person who may not decide it waits for nothing.
    change_request_permission_require(OrderChangeRequest(kind=kind), actor)
    found = order_row_lock(OrderChangeRequest.objects, request_pk, actor=actor)
    if found is None:
        raise OrderValidationError(
            f"Change request {request_pk} does not exist.", details={"request": ["Unknown."]}
        )
    order, locked = found
    if locked.status != ChangeRequestStatus.PENDING:
        raise InvalidTransition(
            _("This request was already decided (%(status)s).")
            % {"status": locked.get_status_display().lower()},
            details={"status": locked.status},
        )
    return order, locked


def change_request_approve(
    *, request: OrderChangeRequest | int, actor: Actor, note: str = ""
) -> OrderChangeRequest:
    """Apply the request as `actor` and mark it approved; return it.

    Needs `orders.edit_order` (address) or `orders.cancel_order`
    (cancellations), and the order's team. When the order has moved on so that
    the change is no longer possible, the request comes back `rejected` with
    the reason in `decision_note` (also e-mailed to the customer) and the
    order is unchanged.
    """
    note = (note or "").strip()
    with transaction.atomic():
        order, locked = _request_lock(request, actor)
        failure = change_request_refusal(order, locked.kind)
        if not failure:
            try:
                with transaction.atomic():
                    _apply(order, locked, actor=actor)
            # The request was checked when the customer sent it: a refusal now (a line
            # lowered since, the address already set) means the order moved on.
            except (InvalidTransition, OrderConflict, OrderValidationError) as error:
                failure = error.message
        if failure:
            logger.info(
                "%s on order %s could not be applied: %s",
                change_request_label(locked),
                order.number,
                failure,
            )
            # Stored and e-mailed as the customer reads it, whatever the staff member's language.
            with translation.override(_customer_language(order)):
                refusal = change_request_refusal(order, locked.kind) or _(
                    "Your order has moved on and this change is no longer possible."
                )
            _decide(
                order,
                locked,
                status=ChangeRequestStatus.REJECTED,
                actor=actor,
                note=refusal,
                internal=f"approval failed: {failure}",
            )
            return locked
        _decide(order, locked, status=ChangeRequestStatus.APPROVED, actor=actor, note=note)
    return locked


def _customer_language(order: Order) -> str:
    return order.customer.language or order.storefront.default_language


def change_request_reject(
    *, request: OrderChangeRequest | int, actor: Actor, note: str
) -> OrderChangeRequest:
    """Turn the request down with `note`, which the customer reads; the order is unchanged."""
    note = (note or "").strip()
    if not note:
        raise OrderValidationError(
            _("Tell the customer why."), details={"note": [_("This field is required.")]}
        )
    with transaction.atomic():
        order, locked = _request_lock(request, actor)
        _decide(order, locked, status=ChangeRequestStatus.REJECTED, actor=actor, note=note)
    return locked


# -- writing --------------------------------------------------------------------------


def _apply(order: Order, request: OrderChangeRequest, *, actor: Actor) -> None:
    """Make the change through the order's services (each locks the order again: it is held)."""
    note = f"{change_request_label(request)}."
    if request.kind == ChangeRequestKind.ADDRESS:
        order_edit(
            order=order,
            actor=actor,
            reason=CUSTOMER_REASON,
            shipping_address=request.address,
            note=note,
        )
        return
    lines = [{"sku": line["sku"], "quantity": line["quantity"]} for line in request.lines]
    if request.kind == ChangeRequestKind.CANCEL_ORDER or _every_unit(order, lines):
        order_transition(
            order=order.pk, transition="cancel", actor=actor, reason=CUSTOMER_REASON, note=note
        )
        return
    order_cancel_lines(order=order, actor=actor, reason=CUSTOMER_REASON, lines=lines, note=note)


def _every_unit(order: Order, lines: list[dict[str, Any]]) -> bool:
    asked = {line["sku"]: line["quantity"] for line in lines}
    return all(asked.get(line.sku, 0) >= line.quantity for line in order.lines.all())


def _decide(
    order: Order,
    request: OrderChangeRequest,
    *,
    status: str,
    actor: Actor,
    note: str,
    internal: str = "",
) -> None:
    """Record the decision, its history row, and tell the followers (the customer's e-mail)."""
    request.status = status
    request.decided_by = actor_or_none(actor)
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(
        update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"]
    )
    _history_write(
        order,
        request,
        actor=actor,
        note=f"{change_request_label(request)} {internal or status}."
        + (f" {note}" if note and not internal else ""),
    )
    publish(
        ChangeRequestDecided(
            order=order, request_id=request.pk, kind=request.kind, status=status, note=note
        )
    )


def _history_write(order: Order, request: OrderChangeRequest, *, actor: Actor, note: str) -> None:
    OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.CHANGE_REQUEST,
        actor=actor_or_none(actor),
        note=note,
        customer_visible=True,
        data={"change_request": request.pk, "kind": request.kind, "status": request.status},
    )
