"""Changing an order from its page: "Edit order" and "Cancel items", each previewed first.

- `/dashboard/orders/<number>/edit/` (staff with `orders.edit_order`): new
  quantities (0 removes a line), a new line, the shipping price, the delivery
  address and the customer's name and phone, with a reason. "Preview" asks the
  edit service what the edit would do (`order_edit(preview=True)`: the new
  lines, the totals before and after, what happens to the money) and writes
  nothing; "Save" posts the same values with the page's version.
- `/dashboard/orders/<number>/cancel-items/` (staff with `orders.cancel_order`):
  quantities to cancel per line and a reason; a confirmation step states the
  refund (`order_cancel_lines(preview=True)`) before anything moves, as the
  order page's other money moves do (dashboard/money_confirm.py).

Both are plain POST forms (no JavaScript needed). Bad input comes back as the
form with its errors (400); a refusal of the service lands on the form with
its status (409 for a field that may no longer change); a stale page (the
order changed since it was drawn) says so with 412 and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from orders.locking import order_version_require, user_may_work_order
from orders.models import Order, OrderStatus
from orders.services import edits as edit_service
from shared.errors import OrderError, StaleOrderVersion, TransitionPermissionDenied
from shared.parsing import whole_number

from . import selectors
from .frame import dashboard_render, dashboard_staff_required, forbidden
from .order_edit_forms import CancelItemsForm, OrderEditForm, order_contact_open, order_stage

EDIT_PERMISSION = "orders.edit_order"
CANCEL_PERMISSION = "orders.cancel_order"

# Items can be cancelled until they ship (DESIGN.md, "Changing an order").
_CANCEL_ITEMS_OPEN = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.PROCESSING,
        OrderStatus.PICKING,
        OrderStatus.PACKING,
        OrderStatus.READY_TO_SHIP,
    }
)


def user_may_edit_order(order: Order, user: Any) -> bool:
    """Whether the order page offers `user` the "Edit order" form for `order` now."""
    return (
        user.has_perm(EDIT_PERMISSION)
        and user_may_work_order(order, user)
        and order_contact_open(order)
    )


def user_may_cancel_items(order: Order, user: Any) -> bool:
    """Whether the order page offers `user` the "Cancel items" form for `order` now."""
    return (
        user.has_perm(CANCEL_PERMISSION)
        and user_may_work_order(order, user)
        and order_stage(order) in _CANCEL_ITEMS_OPEN
    )


def _order_or_404(number: str) -> Order:
    order = selectors.order_for_dashboard(number)
    if order is None:
        raise Http404("No such order.")
    return order


def _refusal_onto(form: forms.Form, error: OrderError) -> None:
    """Put the service's refusal on the fields it names, and its message above the form."""
    form.add_error(None, error.message)
    for field, problems in (error.details or {}).items():
        if not isinstance(problems, list):
            continue
        for problem in map(str, problems):
            if field in form.fields:
                form.add_error(field, problem)
            elif problem not in error.message:
                # A line or part the form has no field for ("lines[MUG-1]"): above the form.
                form.add_error(None, problem)


def _stale_page(request: HttpRequest, order: Order, template: str, error: OrderError):
    """The order changed since the page was drawn: say so, offer the fresh page, write nothing."""
    return dashboard_render(
        request,
        template,
        {"order": order, "stale": error.message, "form": None},
        status=error.http_status,
    )


def _access_refusal(request: HttpRequest, order: Order, permission: str, refusal: str):
    if not request.user.has_perm(permission):
        return forbidden(request, refusal)
    if not user_may_work_order(order, request.user):
        return forbidden(request, _("This order belongs to another team."))
    return None


def _previewed_change(
    request: HttpRequest,
    order: Order,
    *,
    template: str,
    form: forms.Form,
    commit: bool,
    change: Callable[..., edit_service.OrderEditResult],
    done_message: Callable[[edit_service.OrderEditResult], str],
    preview_context: Callable[[], dict[str, Any]] = dict,
) -> HttpResponse:
    """Run `change` (one of the edit service's) as a preview, or for real once `commit`.

    The one flow of both pages: bad input is the form with its errors (400); a
    stale page says so (412); a refusal lands on the form with its status; a
    preview shows what would happen; a committed change goes back to the order.
    """
    # Stale first: the form is drawn from the order as it is now, so a page drawn
    # before someone added a line or lowered one would fail as bad input instead.
    # (The service checks again on the locked row.)
    try:
        order_version_require(order, whole_number(request.POST.get("version", "")))
    except StaleOrderVersion as error:
        return _stale_page(request, order, template, error)
    if not form.is_valid():
        return dashboard_render(request, template, {"order": order, "form": form}, status=400)
    try:
        result = change(
            order=order,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
            preview=not commit,
        )
    except StaleOrderVersion as error:
        return _stale_page(request, order, template, error)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        _refusal_onto(form, error)
        return dashboard_render(
            request, template, {"order": order, "form": form}, status=error.http_status
        )
    if commit:
        messages.success(request, done_message(result))
        return redirect("dashboard:order-detail", number=order.number)
    context = {"order": order, "form": form, "preview": result, **preview_context()}
    return dashboard_render(request, template, context)


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def order_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Show the edit form; preview an edit; save it."""
    order = _order_or_404(number)
    refusal = _access_refusal(
        request, order, EDIT_PERMISSION, _("Orders are edited by customer care and managers.")
    )
    if refusal is not None:
        return refusal
    template = "dashboard/order_edit.html"
    if request.method == "GET":
        form = OrderEditForm(order=order)
        return dashboard_render(request, template, {"order": order, "form": form})
    form = OrderEditForm(request.POST, order=order)
    return _previewed_change(
        request,
        order,
        template=template,
        form=form,
        commit=request.POST.get("action") == "save",
        change=lambda **common: edit_service.order_edit(**common, **form.edit_arguments()),
        done_message=_edit_saved_message,
    )


def _edit_saved_message(result: edit_service.OrderEditResult) -> str:
    saved = _("Order %(number)s changed.") % {"number": result.order.number}
    return f"{saved} {result.money}" if result.money else saved


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def order_cancel_items(request: HttpRequest, number: str) -> HttpResponse:
    """Show the form; state what cancelling those items does; cancel them once confirmed."""
    order = _order_or_404(number)
    refusal = _access_refusal(
        request, order, CANCEL_PERMISSION, _("You may not cancel items of orders.")
    )
    if refusal is not None:
        return refusal
    template = "dashboard/order_cancel_items.html"
    if request.method == "GET":
        form = CancelItemsForm(order=order)
        return dashboard_render(request, template, {"order": order, "form": form})
    form = CancelItemsForm(request.POST, order=order)
    return _previewed_change(
        request,
        order,
        template=template,
        form=form,
        commit=request.POST.get("confirmed") == "1",
        change=lambda **common: edit_service.order_cancel_lines(**common, lines=form.line_counts()),
        done_message=_items_cancelled_message,
        preview_context=lambda: {"cancelling": form.line_counts_chosen()},
    )


def _items_cancelled_message(result: edit_service.OrderEditResult) -> str:
    done = _("Items of order %(number)s cancelled.") % {"number": result.order.number}
    return f"{done} {result.money}" if result.money else done
