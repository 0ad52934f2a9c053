"""The confirmation step before a cancel, void or refund on the order page.

The first POST of such a transition moves nothing: it answers with a page
(or, for htmx, the panel in place) stating exactly what will happen, whose
form posts the same fields again with `confirmed=1`. Bad input (a refund of
1.5 VND, a missing amount or reason) comes back as that form with its errors
and status 400. Works without JavaScript: the step is a real page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from orders.models import HoldReason, Order
from orders.money_moves import (
    money_move_button_label,
    money_move_preview,
    transition_moves_money,
)
from orders.services import transition_spec_get
from shared.errors import OrderError, OrderValidationError
from shared.parsing import version_or_none

from .frame import dashboard_render, is_htmx


def money_move_confirmation(request: HttpRequest, order: Order) -> HttpResponse | None:
    """Return the confirmation step for a money move not yet confirmed, else None to run it.

    A confirmed refund still needs its typed amount (the service would
    otherwise refund everything), so a confirmed post with bad input also
    comes back here. Refusals other than bad input (permission, stale page,
    unknown transition) are raised for the order page's own error handling.
    """
    transition = request.POST.get("transition", "")
    if not transition_moves_money(transition):
        return None
    spec = transition_spec_get(transition)
    values = {
        "transition": transition,
        "version": order.version,
        "reason": request.POST.get("reason", ""),
        "note": request.POST.get("note", ""),
        "amount": request.POST.get("amount", "").strip(),
    }
    try:
        text = money_move_preview(
            order,
            transition=transition,
            actor=request.user,
            reason=values["reason"],
            amount=values["amount"],
            expected_version=version_or_none(request.POST.get("version")),
        )
    except OrderValidationError as error:
        return _render(request, order, spec, values, errors=_errors(error), status=400)
    if request.POST.get("confirmed") == "1":
        return None
    return _render(request, order, spec, values, text=text)


def _errors(error: OrderError) -> dict[str, list[str]]:
    details = {
        field: [str(problem) for problem in problems]
        for field, problems in error.details.items()
        if isinstance(problems, list)
    }
    return details or {"form": [error.message]}


def _render(
    request: HttpRequest,
    order: Order,
    spec,
    values: dict,
    *,
    text: str = "",
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "order": order,
        "spec": spec,
        "values": values,
        "confirm_text": text,
        # Only a checked move has a button (bad input has none to name).
        "confirm_button": (
            money_move_button_label(order, spec.name, values["amount"]) if text else ""
        ),
        "errors": errors or {},
        "hold_reasons": HoldReason.choices,
    }
    template = (
        "dashboard/_money_confirm.html" if is_htmx(request) else "dashboard/money_confirm.html"
    )
    return dashboard_render(request, template, context, status=status)
