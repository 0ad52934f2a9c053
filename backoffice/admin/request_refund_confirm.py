"""The admin's confirmation step before an after-sales request is resolved with a refund.

As on the order's admin page (`money_confirm.py`) and the dashboard's request
page: the first POST of "Resolve" with the refund resolution moves nothing and
answers with a page stating exactly what will happen (the sentence of
`fulfillment.money_moves`), whose form posts the same fields again, the amount
fixed to the one stated and the request's version as the page saw it, with
`confirmed=1`. Plain HTML, no script.
"""

from datetime import datetime
from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from fulfillment.models import AfterSalesRequest, AfterSalesResolution
from fulfillment.money_moves import after_sales_refund_preview
from fulfillment.services.after_sales import after_sales_request_label
from fulfillment.workflows import RequestAction
from orders.money_moves import money_move_button_label
from shared.errors import OrderValidationError


def posted_request_version(request: HttpRequest) -> datetime | None:
    """The request's `updated_at` the confirmation page was drawn with (None: not sent).

    Only the confirmation page sends it, so a confirmed refund of a request
    changed since is refused (412) instead of acting on what was not shown.
    """
    value = request.POST.get("updated_at", "")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise OrderValidationError(
            _("This page's version is not valid; reload the page."),
            details={"updated_at": ["Not an ISO 8601 time with a zone."]},
        )
    return parsed


def resolution_refund_confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    obj: AfterSalesRequest,
    action: RequestAction,
    values: dict[str, Any],
) -> HttpResponse | None:
    """Return the confirmation page of a refund resolution not yet confirmed, else None.

    Checked either way, so a confirmed post whose refund has become wrong is
    refused before it runs; refusals are raised as the service raises them
    (`OrderError`) for the caller's message.
    """
    if not (action.name == "resolve" and values.get("resolution") == AfterSalesResolution.REFUND):
        return None
    amount, text = after_sales_refund_preview(
        request=obj,
        amount=values.get("amount"),
        actor=request.user,
        expected_updated_at=posted_request_version(request),
    )
    if request.POST.get("confirmed") == "1":
        return None
    fields = {name: request.POST.get(name, "") for name in values}
    obj.refresh_from_db(fields=["updated_at"])
    fields.update(
        action=action.name,
        amount=f"{amount:f}",
        updated_at=obj.updated_at.isoformat(),
        confirmed="1",
    )
    label = after_sales_request_label(obj)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": obj,
        "title": f"{action.label}: {label}",
        "spec": action,
        "confirm_object_label": label,
        "confirm_url": request.path,
        "confirm_fields": fields,
        "confirm_text": text,
        "confirm_button": money_move_button_label(obj.order, "refund_payment", f"{amount:f}"),
        "back_label": _("Back to the request; nothing changes"),
    }
    return TemplateResponse(request, "admin/orders/order/money_confirm.html", context)
