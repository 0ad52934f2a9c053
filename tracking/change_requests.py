"""The tracking page's part for change requests: what the customer asked, and the forms to ask.

A form is offered for a kind the order still allows (orders.services:
`change_request_kinds_open`) and that is not already waiting for an answer.
"""

from typing import Any

from django.http import QueryDict

from orders.models import ChangeRequestKind, ChangeRequestStatus, Order, OrderLine
from orders.services import change_request_applies_at_once, change_request_kinds_open

from .change_forms import AddressChangeForm, CancelRequestForm

CANCEL_KINDS = (ChangeRequestKind.CANCEL_ORDER, ChangeRequestKind.CANCEL_ITEMS)


def change_kinds_offered(order: Order, asked: list[dict[str, Any]]) -> list[str]:
    """The kinds the customer may ask for now: open on the order, none of them pending."""
    pending = {row["kind"] for row in asked if row["status"] == ChangeRequestStatus.PENDING}
    if ChangeRequestKind.CANCEL_ORDER in pending:
        pending.add(ChangeRequestKind.CANCEL_ITEMS)
    return [kind for kind in change_request_kinds_open(order) if kind not in pending]


def change_forms(
    order: Order,
    lines: list[OrderLine],
    asked: list[dict[str, Any]],
    *,
    data: QueryDict | None = None,
    bound: str = "",
) -> dict[str, Any]:
    """The page's context for the forms; `bound` names the form `data` was posted to."""
    kinds = change_kinds_offered(order, asked)
    cancel_kinds = [kind for kind in kinds if kind in CANCEL_KINDS]
    address_form = cancel_form = None
    if ChangeRequestKind.ADDRESS in kinds:
        address_form = AddressChangeForm(data if bound == "address" else None)
    if cancel_kinds:
        cancel_form = CancelRequestForm(
            data if bound == "cancel" else None, order_lines=lines, kinds=cancel_kinds
        )
    return {
        "address_form": address_form,
        "cancel_form": cancel_form,
        "cancel_items_offered": ChangeRequestKind.CANCEL_ITEMS in cancel_kinds,
        "address_at_once": change_request_applies_at_once(order, ChangeRequestKind.ADDRESS),
        "cancel_at_once": change_request_applies_at_once(order, ChangeRequestKind.CANCEL_ORDER),
    }
