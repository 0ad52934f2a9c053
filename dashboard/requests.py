"""After-sales and supplier requests on the staff dashboard: lists, one request, its actions.

The buttons are the ones the admin's request panels show
(`fulfillment.selectors.after_sales_actions_available` and
`supplier_request_actions_available`) and call the same services. Each
action form carries the request's `updated_at` as the page saw it, so a
request that changed since is refused (412). Without JavaScript a success
redirects to the request's page; a refusal re-renders it with its status
(400 form error, 403, 409, 412). Through htmx the request panel comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.models import AfterSalesRequest, SupplierRequest
from fulfillment.selectors import (
    AFTER_SALES_ACTIONS,
    SUPPLIER_REQUEST_ACTIONS,
    RequestAction,
    after_sales_actions_available,
    request_action_find,
    supplier_request_actions_available,
)
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_resolve,
)
from fulfillment.services.suppliers import supplier_request_advance
from orders.services import user_may_work_order
from shared.errors import OrderError, TransitionPermissionDenied

from . import selectors
from .forms import AfterSalesFilterForm, SupplierRequestFilterForm, request_action_form
from .frame import dashboard_render, dashboard_staff_required
from .frame import forbidden as _forbidden
from .frame import is_htmx as _is_htmx

AFTER_SALES_VIEW_PERMISSION = "fulfillment.view_aftersalesrequest"
SUPPLIER_REQUEST_VIEW_PERMISSION = "fulfillment.view_supplierrequest"


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _version(obj: AfterSalesRequest | SupplierRequest) -> str:
    """What the action forms send back: the request's last change as the page saw it."""
    return obj.updated_at.isoformat()


def _action_forms(
    available: list[RequestAction], bound: dict[str, Any] | None = None
) -> list[tuple[RequestAction, Any]]:
    bound = bound or {}
    return [(action, bound.get(action.name) or request_action_form(action)) for action in available]


# -- after-sales requests -------------------------------------------------------------


def _after_sales_or_404(pk: int) -> AfterSalesRequest:
    obj = selectors.after_sales_request_for_page(pk)
    if obj is None:
        raise Http404("No such after-sales request.")
    return obj


def _after_sales_context(
    request: HttpRequest, obj: AfterSalesRequest, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    return {
        "item": obj,
        "order": obj.order,
        "version": _version(obj),
        "action_forms": _action_forms(after_sales_actions_available(obj, user), bound),
        "other_team": not user_may_work_order(obj.order, user),
        "history": selectors.after_sales_request_history(obj),
        "act_url": reverse("dashboard:after-sales-act", args=[obj.pk]),
    }


@require_GET
@dashboard_staff_required
def after_sales_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(AFTER_SALES_VIEW_PERMISSION):
        return _forbidden(request, _("After-sales requests are for customer care and managers."))
    form = AfterSalesFilterForm(request.GET)
    requests = selectors.after_sales_requests_for_list(**form.filters())
    page = Paginator(requests, selectors.REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/after_sales_list.html",
        {"form": form, "page": page, "page_query": _page_query(request)},
    )


@require_GET
@dashboard_staff_required
def after_sales_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(AFTER_SALES_VIEW_PERMISSION):
        return _forbidden(request, _("After-sales requests are for customer care and managers."))
    obj = _after_sales_or_404(pk)
    return dashboard_render(
        request, "dashboard/after_sales_detail.html", _after_sales_context(request, obj)
    )


def _after_sales_run(request: HttpRequest, obj: AfterSalesRequest, action: str, data) -> None:
    """Call the service the admin panel calls for `action`."""
    if action == "resolve":
        after_sales_request_resolve(
            request=obj,
            resolution=data["resolution"],
            amount=data["amount"],
            actor=request.user,
            expected_updated_at=data["updated_at"],
        )
    else:
        after_sales_request_advance(
            request=obj,
            transition=action,
            actor=request.user,
            note=data["note"],
            expected_updated_at=data["updated_at"],
        )


@require_POST
@dashboard_staff_required
def after_sales_act(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(AFTER_SALES_VIEW_PERMISSION):
        return _forbidden(request, _("After-sales requests are for customer care and managers."))
    return _request_act(
        request,
        obj=_after_sales_or_404(pk),
        actions=AFTER_SALES_ACTIONS,
        run=_after_sales_run,
        reload=lambda: _after_sales_or_404(pk),
        context=_after_sales_context,
        page_template="dashboard/after_sales_detail.html",
        panel_template="dashboard/_after_sales_panel.html",
        detail_url="dashboard:after-sales-detail",
    )


# -- supplier requests ----------------------------------------------------------------


def _supplier_request_or_404(pk: int) -> SupplierRequest:
    obj = selectors.supplier_request_for_page(pk)
    if obj is None:
        raise Http404("No such supplier request.")
    return obj


def _supplier_request_context(
    request: HttpRequest, obj: SupplierRequest, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "item": obj,
        "order": obj.order,
        "version": _version(obj),
        "action_forms": _action_forms(supplier_request_actions_available(obj, request.user), bound),
        "history": selectors.supplier_request_history(obj),
        "act_url": reverse("dashboard:supplier-request-act", args=[obj.pk]),
    }


@require_GET
@dashboard_staff_required
def supplier_request_list(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(SUPPLIER_REQUEST_VIEW_PERMISSION):
        return _forbidden(request, _("Supplier requests are for the warehouse and managers."))
    form = SupplierRequestFilterForm(request.GET)
    requests = selectors.supplier_requests_for_list(**form.filters())
    page = Paginator(requests, selectors.REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/supplier_request_list.html",
        {"form": form, "page": page, "page_query": _page_query(request)},
    )


@require_GET
@dashboard_staff_required
def supplier_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(SUPPLIER_REQUEST_VIEW_PERMISSION):
        return _forbidden(request, _("Supplier requests are for the warehouse and managers."))
    obj = _supplier_request_or_404(pk)
    return dashboard_render(
        request, "dashboard/supplier_request_detail.html", _supplier_request_context(request, obj)
    )


def _supplier_request_run(request: HttpRequest, obj: SupplierRequest, action: str, data) -> None:
    """Call the service the admin panel calls for `action`."""
    supplier_request_advance(
        request=obj,
        transition=action,
        actor=request.user,
        reason=data.get("reason", ""),
        expected_updated_at=data["updated_at"],
    )


@require_POST
@dashboard_staff_required
def supplier_request_act(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.has_perm(SUPPLIER_REQUEST_VIEW_PERMISSION):
        return _forbidden(request, _("Supplier requests are for the warehouse and managers."))
    return _request_act(
        request,
        obj=_supplier_request_or_404(pk),
        actions=SUPPLIER_REQUEST_ACTIONS,
        run=_supplier_request_run,
        reload=lambda: _supplier_request_or_404(pk),
        context=_supplier_request_context,
        page_template="dashboard/supplier_request_detail.html",
        panel_template="dashboard/_supplier_request_panel.html",
        detail_url="dashboard:supplier-request-detail",
    )


# -- one action, either kind -----------------------------------------------------------


def _request_act(
    request: HttpRequest,
    *,
    obj: AfterSalesRequest | SupplierRequest,
    actions: tuple[RequestAction, ...],
    run: Callable[[HttpRequest, Any, str, dict], None],
    reload: Callable[[], Any],
    context: Callable[..., dict[str, Any]],
    page_template: str,
    panel_template: str,
    detail_url: str,
) -> HttpResponse:
    """Check the action's permission and form, run the service, answer as the page expects."""

    def answer(status: int, bound: dict[str, Any] | None = None) -> HttpResponse:
        template = panel_template if _is_htmx(request) else page_template
        return dashboard_render(request, template, context(request, reload(), bound), status=status)

    action = request_action_find(actions, request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action; nothing was changed."))
        return answer(400)
    if not request.user.has_perm(action.permission):
        message = _("You may not do that: %(action)s.") % {"action": action.label}
        if not _is_htmx(request):
            return _forbidden(request, message)
        messages.error(request, message)
        return answer(403)
    form = request_action_form(action, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form; nothing was changed."))
        for error in form.errors.get("updated_at", []):
            messages.error(request, error)
        return answer(400, {action.name: form})
    try:
        run(request, obj, action.name, form.cleaned_data)
    except OrderError as error:
        if isinstance(error, TransitionPermissionDenied) and not _is_htmx(request):
            return _forbidden(request, error.message)
        messages.error(request, error.message)
        return answer(error.http_status)
    messages.success(request, _("%(action)s: done.") % {"action": action.label})
    if not _is_htmx(request):
        return redirect(detail_url, pk=obj.pk)
    return answer(200)
