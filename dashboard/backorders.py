"""Splitting an order into a back-order from its dashboard page (orders.services.order_split).

The order panel shows the form (how many of each line to move, and why) to
staff with the split permission while the order has not shipped; the lines
offer only what may move (not picked, packed or shipped). A plain form: it
posts, then returns to the order page with a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders.locking import user_may_work_order
from orders.models import Order
from orders.services import order_split, order_split_movable, order_splittable
from orders.services.backorders import SPLIT_PERMISSION
from shared.errors import OrderError, TransitionPermissionDenied
from shared.parsing import version_or_none, whole_number

from .frame import dashboard_staff_required, forbidden


def backorder_panel_context(order: Order, user: Any) -> dict[str, Any]:
    """What the order panel shows of back-orders: the split form's lines, if `user` may split."""
    may_split = (
        user.has_perm(SPLIT_PERMISSION)
        and order_splittable(order)
        and user_may_work_order(order, user)
    )
    movable = order_split_movable(order) if may_split else {}
    return {
        "split_lines": [
            {"line": line, "movable": movable[line.pk]}
            for line in order.lines.all()
            if movable.get(line.pk)
        ],
    }


def _posted_moves(request: HttpRequest, order: Order) -> list[dict[str, Any]]:
    """The form's `move-<line id>` fields as the service's lines: [{sku, quantity}].

    Empty fields and 0 move nothing; anything else that is not a whole number
    is passed on as typed, for the service to refuse in its own words.
    """
    moves = []
    for line in order.lines.order_by("id"):
        raw = request.POST.get(f"move-{line.pk}", "").strip()
        if not raw:
            continue
        quantity = whole_number(raw)
        if quantity == 0:
            continue
        moves.append({"sku": line.sku, "quantity": raw if quantity is None else quantity})
    return moves


@require_POST
@dashboard_staff_required
def order_split_view(request: HttpRequest, number: str) -> HttpResponse:
    """Move the posted quantities to a new back-order; back to the original's page."""
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    try:
        backorder = order_split(
            order=order,
            actor=request.user,
            reason=request.POST.get("reason", ""),
            lines=_posted_moves(request, order),
            expected_version=version_or_none(request.POST.get("version")),
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        details = "; ".join(
            " ".join(map(str, problems))
            for problems in error.details.values()
            if isinstance(problems, list)
        )
        messages.error(request, f"{error.message} {details}".strip())
        response = redirect("dashboard:order-detail", number=number)
        return response
    messages.success(
        request,
        _("Back-order %(backorder)s created: it ships separately.")
        % {"backorder": backorder.number},
    )
    return redirect("dashboard:order-detail", number=number)
