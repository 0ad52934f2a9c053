"""Supplier requests: goods an order waits for from a supplier.

A request keeps its order on hold (`awaiting_supplier`, or the hold it already
had, such as `stock_shortage` after a short pick) until nothing the order waits
for is still open. Order status changes go through `orders.services.order_transition`
as the system; locks are always taken order first, then the request, then stock.
"""

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction

from orders.events import SupplierRequestCreated, SupplierRequestStatusChanged, publish
from orders.locking import order_lock, order_row_lock
from orders.models import HoldReason, Order, OrderEventType, OrderStatus
from orders.services import order_transition
from shared.actors import Actor, actor_or_none, permission_require
from shared.errors import InvalidTransition, OrderValidationError
from shared.outbox import enqueue

from ..models import (
    InventoryItem,
    Supplier,
    SupplierDelivery,
    SupplierRequest,
    SupplierRequestLine,
    SupplierRequestStatus,
)
from .common import order_changed
from .request_steps import request_step, request_transition_require, request_version_require

SUPPLIER_REQUEST_ORDER_STATUSES = (
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.ON_HOLD,
)
SUPPLIER_REQUEST_TRANSITIONS = ("confirm", "ship", "receive", "fail")
# Nothing more comes of a request in these statuses.
SUPPLIER_REQUEST_CLOSED_STATUSES = (SupplierRequestStatus.RECEIVED, SupplierRequestStatus.FAILED)
# Holds that goods arriving from the supplier resolve; any other hold is for staff to lift.
SUPPLIER_RESOLVED_HOLD_REASONS = (HoldReason.AWAITING_SUPPLIER, HoldReason.STOCK_SHORTAGE)
# Where goods received for an SKU the warehouse did not stock yet are put.
RECEIVING_LOCATION = "RECEIVING"

_DELIVERY_WORDS = {
    SupplierDelivery.TO_WAREHOUSE: "to our warehouse",
    SupplierDelivery.DROP_SHIP: "drop-ship",
}


def supplier_request_create(
    *,
    order: Order | int,
    supplier: Supplier | int,
    lines: list[dict[str, Any]],
    delivery: str,
    actor: Actor,
) -> SupplierRequest:
    """Ask `supplier` for some of an order's quantities and hold the order until they arrive.

    An order not on hold is put on hold (`awaiting_supplier`); one already on
    hold stays held as it is. The e-mail to the supplier goes out after commit.
    """
    permission_require(actor, "fulfillment.add_supplierrequest", "request goods from suppliers")
    if delivery not in SupplierDelivery.values:
        raise OrderValidationError(
            f"Unknown delivery '{delivery}'.",
            details={"delivery": [f"Must be one of: {', '.join(SupplierDelivery.values)}."]},
        )
    supplier_pk = supplier.pk if isinstance(supplier, Supplier) else supplier
    supplier = Supplier.objects.filter(pk=supplier_pk).first()
    if supplier is None or not supplier.is_active:
        raise OrderValidationError(
            "Choose an active supplier.",
            details={"supplier": [f"No active supplier with id {supplier_pk}."]},
        )
    if not lines:
        raise OrderValidationError(
            "Name what the supplier should send.",
            details={"lines": ["This list may not be empty."]},
        )

    with transaction.atomic():
        locked = order_lock(order, actor=actor)
        if locked.status not in SUPPLIER_REQUEST_ORDER_STATUSES:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.status}; goods are requested from suppliers "
                "only while it is being fulfilled or on hold.",
                details={"status": locked.status},
            )
        wanted = _lines_validate(locked, lines)
        request = SupplierRequest.objects.create(
            order=locked,
            supplier=supplier,
            delivery=delivery,
            created_by=actor_or_none(actor),
        )
        order_lines = {line.sku: line for line in locked.lines.all()}
        SupplierRequestLine.objects.bulk_create(
            SupplierRequestLine(request=request, order_line=order_lines[sku], quantity=quantity)
            for sku, quantity in wanted.items()
        )
        contents = ", ".join(f"{quantity} x {sku}" for sku, quantity in wanted.items())
        note = f"Requested {contents} from {supplier.name} ({_DELIVERY_WORDS[delivery]})"
        held_already = locked.status == OrderStatus.ON_HOLD
        if held_already and locked.hold_reason != HoldReason.AWAITING_SUPPLIER:
            note += (
                f"; the order stays on hold ({locked.hold_reason}) and now waits for the supplier"
            )
        order_changed(
            locked,
            actor=actor,
            note=note + ".",
            data={"supplier_request": request.pk, "supplier": supplier.pk, "delivery": delivery},
            event_type=OrderEventType.SUPPLIER_REQUEST,
        )
        publish(
            SupplierRequestCreated(
                order=locked, request_id=request.pk, supplier_id=supplier.pk, delivery=delivery
            )
        )
        if not held_already:
            order_transition(
                order=locked,
                transition="hold",
                actor=None,
                reason=HoldReason.AWAITING_SUPPLIER,
                note=f"Waiting for supplier request #{request.pk}.",
            )
        # By name: the tasks module imports the services, not the other way round.
        transaction.on_commit(
            partial(enqueue, "fulfillment.supplier_request_email_send", request.pk)
        )
    return request


def _lines_validate(order: Order, lines: list[dict[str, Any]]) -> dict[str, int]:
    """Return the wanted quantity per SKU, or refuse naming each bad line."""
    ordered = {line.sku: line.quantity for line in order.lines.all()}
    errors: dict[str, list[str]] = {}
    wanted: dict[str, int] = {}
    for index, line in enumerate(lines):
        sku, quantity = line.get("sku"), line.get("quantity")
        if sku not in ordered:
            errors[f"lines[{index}].sku"] = [f"Order {order.number} has no SKU '{sku}'."]
        elif isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            errors[f"lines[{index}].quantity"] = ["Must be a whole number above 0."]
        else:
            wanted[sku] = wanted.get(sku, 0) + quantity
            if wanted[sku] > ordered[sku]:
                errors[f"lines[{index}].quantity"] = [
                    f"Order {order.number} has only {ordered[sku]} x {sku}."
                ]
    if errors:
        raise OrderValidationError("Some lines cannot be requested.", details=errors)
    return wanted


def supplier_request_advance(
    *,
    request: SupplierRequest | int,
    transition: str,
    actor: Actor,
    reason: str = "",
    expected_updated_at: datetime | None = None,
) -> SupplierRequest:
    """Record what the supplier did (`confirm`, `ship`, `receive`, `fail`) and return the request.

    With `expected_updated_at` (the request's `updated_at` the user saw), a
    request changed since is refused (412) rather than acted on blindly.

    Goods received at the warehouse are added to stock. Once no request of the
    order is open, an order held for the supplier or a stock shortage is
    released; a failed request keeps the order on hold for staff to decide.
    """
    permission_require(actor, "fulfillment.change_supplierrequest", "update supplier requests")
    request_transition_require(transition, SUPPLIER_REQUEST_TRANSITIONS)
    reason = (reason or "").strip()
    if transition == "fail" and not reason:
        raise OrderValidationError(
            "Say why the supplier cannot deliver.",
            details={"reason": ["This field is required."]},
        )
    request_pk = request.pk if isinstance(request, SupplierRequest) else request
    with transaction.atomic():
        found = order_row_lock(SupplierRequest.objects.select_related("supplier"), request_pk)
        if found is None:
            raise OrderValidationError(f"Supplier request {request_pk} does not exist.")
        order, locked = found
        label = f"Supplier request #{locked.pk}"
        request_version_require(locked, expected_updated_at, label=label, status=locked.status)
        request_step(
            locked,
            transition,
            refusal=InvalidTransition(
                f"Cannot {transition} supplier request #{locked.pk}: it is {locked.status}.",
                details={"transition": transition, "status": locked.status},
            ),
            label=label,
            arguments={"reason": reason} if transition == "fail" else None,
        )

        lines = list(locked.lines.select_related("order_line").order_by("order_line__sku"))
        contents = ", ".join(f"{line.quantity} x {line.order_line.sku}" for line in lines)
        prefix = f"Supplier request #{locked.pk} ({locked.supplier.name})"
        if transition == "confirm":
            note = f"{prefix} confirmed by the supplier."
        elif transition == "ship":
            note = f"{prefix} shipped by the supplier."
        elif transition == "fail":
            note = f"{prefix} failed. Supplier could not deliver: {reason}"
        elif locked.delivery == SupplierDelivery.TO_WAREHOUSE:
            _stock_receive(lines)
            note = f"{prefix} received at our warehouse: {contents} added to stock."
        else:
            note = f"{prefix} delivered to the customer (drop-ship): {contents}."
        order_changed(
            order,
            actor=actor,
            note=note,
            data={"supplier_request": locked.pk, "transition": transition, "status": locked.status},
            event_type=OrderEventType.SUPPLIER_REQUEST,
        )
        publish(
            SupplierRequestStatusChanged(
                order=order, request_id=locked.pk, transition=transition, status=locked.status
            )
        )
        if transition == "receive" and _order_waits_no_more(order):
            order_transition(
                order=order,
                transition="release",
                actor=None,
                note="Everything requested from suppliers has arrived.",
            )
    return locked


def _stock_receive(lines: list[SupplierRequestLine]) -> None:
    """Add received quantities to the warehouse stock so the pickers can take them."""
    for line in lines:
        item, _created = InventoryItem.objects.select_for_update().get_or_create(
            sku=line.order_line.sku,
            defaults={"name": line.order_line.name, "location": RECEIVING_LOCATION},
        )
        # The row is locked, so adding in Python cannot lose a concurrent receipt.
        item.quantity_on_hand += line.quantity
        item.save(update_fields=["quantity_on_hand", "updated_at"])


def _order_waits_no_more(order: Order) -> bool:
    """The locked order is held for its suppliers and none of its requests is still open."""
    if order.status != OrderStatus.ON_HOLD or order.hold_reason not in (
        SUPPLIER_RESOLVED_HOLD_REASONS
    ):
        return False
    return not order.supplier_requests.exclude(status__in=SUPPLIER_REQUEST_CLOSED_STATUSES).exists()
