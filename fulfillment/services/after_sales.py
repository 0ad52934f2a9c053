"""After-sales requests: returns, exchanges, complaints and warranty claims."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from orders.exceptions import InvalidTransition, OrderValidationError
from orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from orders.services import order_transition

from ..models import AfterSalesKind, AfterSalesLine, AfterSalesRequest, AfterSalesSource

AFTER_SALES_OPEN_STATUSES = (OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY)


def after_sales_request_open(
    *,
    order: Order | int,
    kind: str,
    reason: str,
    lines: list[dict[str, Any]],
    source: str,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> AfterSalesRequest:
    """Open a return, exchange, complaint or warranty claim on a delivered order.

    The first request moves the order from delivered to post_delivery through
    the transition service; later ones are added to the order's history.
    """
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
    order_pk = order.pk if isinstance(order, Order) else order

    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order_pk)
        if locked.status not in AFTER_SALES_OPEN_STATUSES:
            raise InvalidTransition(
                f"Order {locked.number} is {locked.status}; returns and complaints can be "
                "opened only after delivery.",
                details={"status": locked.status},
            )
        request_lines = _after_sales_lines_resolve(locked, lines)
        request = AfterSalesRequest.objects.create(
            order=locked,
            kind=kind,
            reason=reason,
            source=source,
            opened_by=actor if actor is not None and actor.is_authenticated else None,
        )
        for line in request_lines:
            line.request = request
        AfterSalesLine.objects.bulk_create(request_lines)
        if locked.status == OrderStatus.DELIVERED:
            order_transition(
                order=locked,
                transition="open_after_sales",
                actor=None,
                note=f"{request.get_kind_display()} request #{request.pk} opened ({source}).",
            )
        else:
            OrderEvent.objects.create(
                order=locked,
                event_type=OrderEventType.NOTE,
                note=f"{request.get_kind_display()} request #{request.pk} opened ({source}).",
                customer_visible=True,
                data={"after_sales_request": request.pk, "kind": kind},
            )
    return request


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
