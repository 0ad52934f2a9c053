"""Customer care's queue of what customers asked to change from the tracking page.

- `/dashboard/change-requests/`: pending requests, oldest first, with their
  order, what is asked (the address now and the one asked for; the items and
  quantities) and what the order's stage still allows. For customer care and
  managers (`orders.view_orderchangerequest`).
- `.../<pk>/approve/` and `.../<pk>/reject/`: the decisions, through
  `orders.services` (`change_request_approve`, `change_request_reject`),
  which check the permission of each kind (edit for an address, cancel for
  cancellations) and the order's team. An approval the order no longer allows
  comes back as a rejection with the reason, said here as a warning.

Plain forms (POST, then a redirect with a message): no JavaScript needed. The
order page shows its pending requests with the same buttons
(dashboard/templatetags/change_request_tags.py); `next` brings staff back there.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders.locking import user_may_work_order
from orders.models import ChangeRequestKind, ChangeRequestStatus, OrderChangeRequest
from orders.money_moves import money_move_describe
from orders.services import (
    change_request_approve,
    change_request_refusal,
    change_request_reject,
    order_cancel_lines,
)
from orders.services.change_requests import CUSTOMER_REASON, VIEW_PERMISSION, user_may_decide
from shared.errors import OrderError, TransitionPermissionDenied

from .frame import dashboard_render, dashboard_staff_required, forbidden

QUEUE_PAGE_SIZE = 25


def change_requests_pending() -> QuerySet[OrderChangeRequest]:
    """Pending requests, oldest first, with what their rows show."""
    return (
        OrderChangeRequest.objects.pending()
        .select_related(
            "order__storefront", "order__customer", "order__shipping_address", "order__team"
        )
        .prefetch_related("order__lines")
    )


def change_request_money(request: OrderChangeRequest, *, preview_items: bool = False) -> str:
    """What approving a cancellation does to the money, in the words of the order page.

    A whole-order cancellation is stated from the order as it is (no query);
    cancelling some items is previewed through the edit service, which does
    the edit and rolls it back: only with `preview_items` (one order's page,
    not every row of the queue). "" for an address change or when unknown.
    """
    order = request.order
    if request.kind == ChangeRequestKind.ADDRESS or change_request_refusal(order, request.kind):
        return ""
    lines = [{"sku": line["sku"], "quantity": line["quantity"]} for line in request.lines]
    asked = {line["sku"]: line["quantity"] for line in lines}
    every_unit = all(asked.get(line.sku, 0) >= line.quantity for line in order.lines.all())
    if request.kind == ChangeRequestKind.CANCEL_ORDER or every_unit:
        return money_move_describe(order, "cancel")
    if not preview_items:
        return ""
    try:
        return order_cancel_lines(
            order=order, actor=None, reason=CUSTOMER_REASON, lines=lines, preview=True
        ).money
    except OrderError:
        return ""


def change_request_rows(requests, user, *, preview_items: bool = False) -> list[dict]:
    """Each request with what staff see beside it: may they decide, is it still possible."""
    # Whether the user works a team's orders, asked once per team (not once per row).
    team_allowed: dict[int | None, bool] = {}
    rows = []
    for request in requests:
        order = request.order
        if order.team_id not in team_allowed:
            team_allowed[order.team_id] = user_may_work_order(order, user)
        rows.append(
            {
                "request": request,
                "order": order,
                "may_decide": team_allowed[order.team_id] and user_may_decide(request, user),
                # Approving now would only decline it: said before anyone clicks.
                "too_late": change_request_refusal(order, request.kind),
                "money": change_request_money(request, preview_items=preview_items),
            }
        )
    return rows


def _viewer_only(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_perm(VIEW_PERMISSION):
        return None
    return forbidden(request, _("Customers' change requests are for customer care and managers."))


def _queue_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    page = Paginator(change_requests_pending(), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/change_requests.html",
        {
            "page": page,
            "page_query": "",
            "rows": change_request_rows(page.object_list, request.user),
        },
        status=status,
    )


@require_GET
@dashboard_staff_required
def change_request_queue(request: HttpRequest) -> HttpResponse:
    refused = _viewer_only(request)
    return refused or _queue_page(request)


def _back(request: HttpRequest) -> HttpResponse:
    """Back where the decision was made: the order page (`next`) or the queue."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("dashboard:change-requests")


def _request_or_404(pk: int) -> OrderChangeRequest:
    found = OrderChangeRequest.objects.select_related("order").filter(pk=pk).first()
    if found is None:
        raise Http404("No such change request.")
    return found


@require_POST
@dashboard_staff_required
def change_request_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    asked = _request_or_404(pk)
    try:
        decided = change_request_approve(
            request=asked, actor=request.user, note=request.POST.get("note", "")
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        return _back(request)
    if decided.status == ChangeRequestStatus.REJECTED:
        messages.warning(
            request,
            _("Order %(number)s could not be changed, so the request was declined: %(reason)s")
            % {"number": asked.order.number, "reason": decided.decision_note},
        )
    else:
        messages.success(
            request,
            _("Done: %(kind)s on order %(number)s. The customer is told by e-mail.")
            % {"kind": decided.get_kind_display(), "number": asked.order.number},
        )
    return _back(request)


@require_POST
@dashboard_staff_required
def change_request_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    asked = _request_or_404(pk)
    try:
        change_request_reject(request=asked, actor=request.user, note=request.POST.get("note", ""))
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        return _back(request)
    messages.success(
        request,
        _("Declined: %(kind)s on order %(number)s. The customer is told why by e-mail.")
        % {"kind": asked.get_kind_display(), "number": asked.order.number},
    )
    return _back(request)


urlpatterns = [
    path("change-requests/", change_request_queue, name="change-requests"),
    path(
        "change-requests/<int:pk>/approve/",
        change_request_approve_view,
        name="change-request-approve",
    ),
    path(
        "change-requests/<int:pk>/reject/", change_request_reject_view, name="change-request-reject"
    ),
]
