"""What the tracking aggregators (AfterShip, EasyPost) sent us, and those that need staff.

- `/dashboard/tracking-updates/`: updates newest first; `?attention=1` keeps the
  unmatched (a tracking number we do not know, or two carriers sharing it) and
  failed ones nobody has dealt with yet (the nav shows how many). Managers and
  customer care (`aggregators.view_trackingupdate`).
- `.../<pk>/`: one update with its headers, raw body, outcome and error.
- `.../<pk>/apply/` and `.../<pk>/resolve/` (POST): apply it again (e.g. once the
  shipment's tracking number is right), or mark it dealt with, through
  `aggregators.services`.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aggregators.models import Aggregator, TrackingUpdate, UpdateOutcome
from aggregators.selectors import update_detail, update_list
from aggregators.services import update_reapply, update_resolve
from shared.errors import TransitionPermissionDenied

from .frame import dashboard_render, dashboard_staff_required, forbidden

VIEW_PERMISSION = "aggregators.view_trackingupdate"
PAGE_SIZE = 50


def _viewer_only(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_perm(VIEW_PERMISSION):
        return None
    return forbidden(request, _("Tracking updates are for customer care and managers."))


@require_GET
@dashboard_staff_required
def update_list_view(request: HttpRequest) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    aggregator, outcome = request.GET.get("aggregator", ""), request.GET.get("outcome", "")
    filters = {
        "attention": request.GET.get("attention") == "1",
        "aggregator": aggregator if aggregator in Aggregator.values else "",
        "outcome": outcome if outcome in UpdateOutcome.values else "",
    }
    query = {name: value for name, value in filters.items() if value}
    if filters["attention"]:
        query["attention"] = "1"
    updates = update_list(
        aggregator=filters["aggregator"],
        outcome=filters["outcome"],
        needs_attention=True if filters["attention"] else None,
    )
    page = Paginator(updates, PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/tracking_updates.html",
        {
            "page": page,
            "page_query": urlencode(query),
            "filters": filters,
            "aggregators": Aggregator.choices,
            "outcomes": UpdateOutcome.choices,
        },
    )


def _update_or_404(pk: int) -> TrackingUpdate:
    found = update_detail(pk)
    if found is None:
        raise Http404("No such tracking update.")
    return found


def _body_shown(update: TrackingUpdate) -> str:
    """The raw body as sent, indented when it is JSON (what staff compare with the aggregator)."""
    try:
        return json.dumps(json.loads(update.raw_body), indent=2, ensure_ascii=False)
    except ValueError:
        return update.raw_body


@require_GET
@dashboard_staff_required
def update_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    update = _update_or_404(pk)
    return dashboard_render(
        request,
        "dashboard/tracking_update.html",
        {
            "update": update,
            "body": _body_shown(update),
            "may_reapply": request.user.has_perm("aggregators.reapply_trackingupdate"),
            "may_resolve": request.user.has_perm("aggregators.change_trackingupdate"),
        },
    )


@require_POST
@dashboard_staff_required
def update_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    update = _update_or_404(pk)
    try:
        update = update_reapply(update, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    if update.needs_attention:
        messages.warning(
            request,
            _("Applied again, still %(outcome)s: %(error)s")
            % {"outcome": update.get_outcome_display().lower(), "error": update.error},
        )
    else:
        messages.success(
            request, _("Applied again: %(outcome)s.") % {"outcome": update.get_outcome_display()}
        )
    return redirect("dashboard:tracking-update", pk=pk)


@require_POST
@dashboard_staff_required
def update_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    update = _update_or_404(pk)
    try:
        update_resolve(update, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    messages.success(request, _("Marked as dealt with."))
    return redirect("dashboard:tracking-update", pk=pk)


urlpatterns = [
    path("tracking-updates/", update_list_view, name="tracking-updates"),
    path("tracking-updates/<int:pk>/", update_detail_view, name="tracking-update"),
    path("tracking-updates/<int:pk>/apply/", update_apply_view, name="tracking-update-apply"),
    path("tracking-updates/<int:pk>/resolve/", update_resolve_view, name="tracking-update-resolve"),
]
