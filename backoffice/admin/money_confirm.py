"""The admin's confirmation step before a cancel, void or refund of an order.

The first POST moves nothing: it shows what will happen ("Refund ₫848,000 to
the card of order OR-...") and posts the same fields again with `confirmed=1`.
Bad input comes back as the form with its errors (400). Plain HTML, no script.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from orders.models import HoldReason, Order
from orders.money_moves import (
    money_move_button_label,
    money_move_preview,
    transition_moves_money,
)
from orders.services import transition_spec_get
from shared.errors import OrderValidationError
from shared.parsing import version_or_none


def money_move_confirmation(
    model_admin: admin.ModelAdmin, request: HttpRequest, order: Order
) -> HttpResponse | None:
    """Return the confirmation page of a money move not yet confirmed, else None to run it.

    Other refusals (permission, stale page) are raised for the caller's message.
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
    errors: dict[str, list[str]] = {}
    text = ""
    try:
        text = money_move_preview(
            order,
            transition=transition,
            actor=request.user,
            reason=values["reason"],
            amount=values["amount"],
            expected_version=version_or_none(request.POST.get("version", "")),
        )
    except OrderValidationError as error:
        errors = {
            field: [str(problem) for problem in problems]
            for field, problems in error.details.items()
            if isinstance(problems, list)
        } or {"form": [error.message]}
    if not errors and request.POST.get("confirmed") == "1":
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": order,
        "title": f"{spec.label}: {order.number}",
        "spec": spec,
        "values": values,
        "confirm_text": text,
        # Only a checked move has a button (bad input has none to name).
        "confirm_button": (
            money_move_button_label(order, transition, values["amount"]) if text else ""
        ),
        "errors": errors,
        "hold_reasons": HoldReason.choices,
    }
    return TemplateResponse(
        request,
        "admin/orders/order/money_confirm.html",
        context,
        status=400 if errors else 200,
    )
