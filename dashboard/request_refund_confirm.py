"""The confirmation step before an after-sales request is resolved with a refund.

Like the order page's refund (`dashboard/money_confirm.py`): the first POST of
"Resolve" with the refund resolution moves nothing and answers with the
request's panel (a whole page without JavaScript, the panel in place with
htmx) stating exactly what will happen, whose form posts the same fields
again, the amount fixed to the one stated, with `confirmed=1`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model
from django.http import HttpRequest

from fulfillment.models import AfterSalesRequest, AfterSalesResolution
from fulfillment.money_moves import after_sales_refund_preview
from orders.money_moves import money_move_button_label


def resolution_refund_step(
    request: HttpRequest, obj: Model, action: str, form: forms.Form
) -> dict[str, Any] | None:
    """Return the confirmation to show for a refund resolution not yet confirmed, else None.

    Checked either way, so a confirmed post whose refund has become wrong (the
    page is stale, the money was refunded meanwhile) is refused before it runs.
    Refusals are raised as the service would raise them (`OrderError`).
    """
    data = form.cleaned_data
    if not (
        isinstance(obj, AfterSalesRequest)
        and action == "resolve"
        and data.get("resolution") == AfterSalesResolution.REFUND
    ):
        return None
    amount, text = after_sales_refund_preview(
        request=obj,
        amount=data.get("amount"),
        actor=request.user,
        expected_updated_at=data.get("updated_at"),
    )
    if request.POST.get("confirmed") == "1":
        return None
    fields = {name: request.POST.get(name, "") for name in form.fields}
    fields.update(action=action, amount=f"{amount:f}", confirmed="1")
    return {
        "text": text,
        "button": money_move_button_label(obj.order, "refund_payment", f"{amount:f}"),
        "fields": fields,
    }
