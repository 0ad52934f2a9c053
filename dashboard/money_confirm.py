"""The confirmation step before a cancel, void or refund on the order page.

The first POST of such a transition moves nothing: it answers with a page
(or, for htmx, the panel in place) stating exactly what will happen, whose
form posts the same fields again with `confirmed=1`. Bad input (a refund of
1.5 VND, a missing amount or reason) comes back as that form with its errors
and status 400. Works without JavaScript: the step is a real page. The post is
read and checked by `orders.money_moves.money_move_step`, as in the admin.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from orders.models import HoldReason, Order
from orders.money_moves import money_move_step

from .frame import dashboard_render, is_htmx


def money_move_confirmation(request: HttpRequest, order: Order) -> HttpResponse | None:
    """Return the confirmation step for a money move not yet confirmed, else None to run it.

    Refusals other than bad input (permission, stale page, unknown transition)
    are raised for the order page's own error handling.
    """
    step = money_move_step(order, request.POST, request.user)
    if step is None or step.go_ahead:
        return None
    context = {
        "order": order,
        "spec": step.spec,
        "values": step.values,
        "confirm_text": step.text,
        "confirm_button": step.button,
        "errors": step.errors,
        "hold_reasons": HoldReason.choices,
    }
    template = (
        "dashboard/_money_confirm.html" if is_htmx(request) else "dashboard/money_confirm.html"
    )
    return dashboard_render(request, template, context, status=400 if step.errors else 200)
