"""Staff open after-sales requests from an order, and finance decides proposed refunds.

- `/dashboard/orders/<number>/after-sales/new/`: the form to open a return,
  exchange, complaint or warranty claim (kind, items and quantities, reason,
  optional photo) for customer care and managers. It calls the same service as
  the API and the tracking page (`after_sales_request_open`, source `staff`),
  which alone moves the order to post_delivery.
- `/dashboard/refunds/`: refunds customer care proposed, waiting for finance or
  a manager (`orders.refund_payment_order`). Approving goes through a
  confirmation page that states the amount and where it goes; rejecting needs
  a reason.

Plain forms (POST, then a redirect with a message), so no JavaScript is needed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fulfillment.forms import AfterSalesRequestForm
from fulfillment.models import AfterSalesKind, AfterSalesSource, RefundProposal
from fulfillment.money_moves import refund_proposal_describe
from fulfillment.selectors import refund_proposal_for_decision, refund_proposals_waiting
from fulfillment.services.after_sales import after_sales_kinds_open, after_sales_request_open
from fulfillment.services.refund_proposals import (
    APPROVE_PERMISSION,
    refund_proposal_approve,
    refund_proposal_reject,
)
from fulfillment.workflows import AFTER_SALES
from orders.locking import user_may_work_order
from orders.models import Order
from orders.money_moves import money_move_button_label
from shared.errors import OrderError, OrderValidationError, TransitionPermissionDenied

from . import selectors
from .forms import RequestVersionField
from .frame import dashboard_render, dashboard_staff_required, forbidden, is_htmx

OPEN_PERMISSION = "orders.open_after_sales_order"
REFUND_QUEUE_PAGE_SIZE = 25


def user_may_open_after_sales(order: Order, user: Any) -> bool:
    """Whether the order page offers `user` the form to open a request on `order` now."""
    return (
        user.has_perm(OPEN_PERMISSION)
        and user_may_work_order(order, user)
        and bool(after_sales_kinds_open(order))
    )


# -- opening a request ----------------------------------------------------------------


def _open_form(order: Order, data=None, files=None) -> AfterSalesRequestForm:
    open_kinds = after_sales_kinds_open(order)
    kinds = [(value, label) for value, label in AfterSalesKind.choices if value in open_kinds]
    form = AfterSalesRequestForm(data, files, order_lines=list(order.lines.all()), kinds=kinds)
    form.fields["kind"].label = gettext_lazy("Kind of request")
    form.fields["reason"].label = gettext_lazy("Reason (the customer's words)")
    return form


def _service_errors_onto(form: forms.Form, error: OrderValidationError) -> None:
    """Put the service's refusal on the fields it names, the rest above the form."""
    named = False
    for field, problems in error.details.items():
        if field in form.fields and isinstance(problems, list):
            for problem in problems:
                form.add_error(field, str(problem))
            named = True
    if not named:
        form.add_error(None, error.message)


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def order_after_sales_open(request: HttpRequest, number: str) -> HttpResponse:
    """Show the form, or open the request through the one after-sales service."""
    order = selectors.order_for_dashboard(number)
    if order is None:
        raise Http404("No such order.")
    user = request.user
    if not user.has_perm(OPEN_PERMISSION):
        return forbidden(request, _("After-sales requests are opened by customer care."))
    if not user_may_work_order(order, user):
        return forbidden(request, _("This order belongs to another team."))
    status = 200
    if request.method == "POST":
        form = _open_form(order, request.POST, request.FILES)
        if not form.fields["kind"].choices:
            messages.error(request, _("Requests can no longer be opened for this order."))
            status = 409
        elif not form.is_valid():
            status = 400
        else:
            photo = form.cleaned_data.get("photo")
            try:
                opened = after_sales_request_open(
                    order=order,
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                    lines=form.line_counts(),
                    source=AfterSalesSource.STAFF,
                    actor=user,
                    photos=[photo] if photo else [],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except OrderValidationError as error:
                _service_errors_onto(form, error)
                status = 400
            except TransitionPermissionDenied as error:
                return forbidden(request, error.message)
            except OrderError as error:
                messages.error(request, error.message)
                status = error.http_status
            else:
                messages.success(
                    request,
                    _("%(kind)s request #%(number)s opened.")
                    % {"kind": opened.get_kind_display(), "number": opened.pk},
                )
                if user.has_perm(AFTER_SALES.view_permission):
                    return redirect("dashboard:after-sales-detail", pk=opened.pk)
                return redirect("dashboard:order-detail", number=order.number)
    else:
        form = _open_form(order)
    return dashboard_render(
        request, "dashboard/after_sales_open.html", {"order": order, "form": form}, status=status
    )


# -- refunds to approve ---------------------------------------------------------------


class RefundDecisionForm(forms.Form):
    updated_at = RequestVersionField(required=False)
    reason = forms.CharField(label=gettext_lazy("Why not"), required=False, max_length=1000)


def _refund_approver_only(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_perm(APPROVE_PERMISSION):
        return None
    return forbidden(request, _("Refunds are approved by finance and managers."))


@require_GET
@dashboard_staff_required
def refund_queue(request: HttpRequest) -> HttpResponse:
    refused = _refund_approver_only(request)
    if refused:
        return refused
    page = Paginator(refund_proposals_waiting(), REFUND_QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return dashboard_render(
        request, "dashboard/refund_queue.html", {"page": page, "page_query": ""}
    )


def _proposal_or_404(pk: int) -> RefundProposal:
    proposal = refund_proposal_for_decision(pk)
    if proposal is None:
        raise Http404("No such refund proposal.")
    return proposal


def _confirmation(
    request: HttpRequest, proposal: RefundProposal, form: RefundDecisionForm | None, status: int
) -> HttpResponse:
    order = proposal.request.order
    return dashboard_render(
        request,
        "dashboard/_refund_decision.html" if is_htmx(request) else "dashboard/refund_confirm.html",
        {
            "proposal": proposal,
            "order": order,
            "statement": refund_proposal_describe(proposal),
            "confirm_button": money_move_button_label(
                order, "refund_payment", f"{proposal.amount:f}"
            ),
            "version": proposal.updated_at.isoformat(),
            "form": form or RefundDecisionForm(),
            # The full page shows messages in its frame; a swapped part shows its own.
            "inline_messages": is_htmx(request),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def refund_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """GET, or a POST without `confirmed=1`: the step stating the refund; confirmed: issue it.

    Nothing moves until the post says `confirmed=1` (the step's own button),
    so a stray or scripted first post only shows what would happen.
    """
    refused = _refund_approver_only(request)
    if refused:
        return refused
    proposal = _proposal_or_404(pk)
    if request.method == "GET" or request.POST.get("confirmed") != "1":
        return _confirmation(request, proposal, None, 200)
    form = RefundDecisionForm(request.POST)
    if not form.is_valid():
        return _confirmation(request, proposal, form, 400)
    statement = refund_proposal_describe(proposal)
    try:
        refund_proposal_approve(
            proposal=proposal,
            actor=request.user,
            expected_updated_at=form.cleaned_data["updated_at"],
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        return _confirmation(request, _proposal_or_404(pk), None, error.http_status)
    messages.success(request, _("Done: %(statement)s") % {"statement": statement})
    if is_htmx(request):  # leave the step for the queue, as the plain form does
        return HttpResponse(status=204, headers={"HX-Redirect": reverse("dashboard:refund-queue")})
    return redirect("dashboard:refund-queue")


@require_POST
@dashboard_staff_required
def refund_reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn the proposal down with a reason; nothing is paid."""
    refused = _refund_approver_only(request)
    if refused:
        return refused
    proposal = _proposal_or_404(pk)
    form = RefundDecisionForm(request.POST)
    if not form.is_valid():
        return _confirmation(request, proposal, form, 400)
    try:
        refund_proposal_reject(
            proposal=proposal,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            expected_updated_at=form.cleaned_data["updated_at"],
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderValidationError as error:
        _service_errors_onto(form, error)
        return _confirmation(request, proposal, form, 400)
    except OrderError as error:
        messages.error(request, error.message)
        return _confirmation(request, _proposal_or_404(pk), None, error.http_status)
    messages.success(
        request,
        _("Refund proposal #%(number)s rejected; the request is back with customer care.")
        % {"number": proposal.pk},
    )
    return redirect("dashboard:refund-queue")
