"""The admin's confirmation step before a cancel, void or refund of an order.

The first POST moves nothing: it shows what will happen ("Refund ₫848,000 to
the card of order OR-...") and posts the same fields again with `confirmed=1`.
Bad input comes back as the form with its errors (400). Plain HTML, no script.
The post is read and checked by `orders.money_moves.money_move_step`, as on the
dashboard.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from orders.models import HoldReason, Order
from orders.money_moves import money_move_step


def money_move_confirmation(
    model_admin: admin.ModelAdmin, request: HttpRequest, order: Order
) -> HttpResponse | None:
    """Return the confirmation page of a money move not yet confirmed, else None to run it.

    Other refusals (permission, stale page) are raised for the caller's message.
    """
    step = money_move_step(order, request.POST, request.user)
    if step is None or step.go_ahead:
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": order,
        "title": f"{step.spec.label}: {order.number}",
        "spec": step.spec,
        "values": step.values,
        "confirm_text": step.text,
        "confirm_button": step.button,
        "errors": step.errors,
        "hold_reasons": HoldReason.choices,
    }
    return TemplateResponse(
        request,
        "admin/orders/order/money_confirm.html",
        context,
        status=400 if step.errors else 200,
    )
