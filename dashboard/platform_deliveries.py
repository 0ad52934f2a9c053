"""What the shops' platforms sent us: every stored delivery, and those that need staff.

- `/dashboard/platform-deliveries/`: deliveries newest first; `?attention=1` keeps
  the ones our orders refused or that failed and nobody has dealt with yet
  (the nav shows how many). Managers and customer care
  (`connectors.view_platformdelivery`).
- `.../<pk>/`: one delivery with its headers, raw body, outcome and error.
- `.../<pk>/apply/` and `.../<pk>/resolve/` (POST): apply it again, or mark it
  dealt with, through `connectors.services.deliveries`.
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

from connectors.models import DeliveryOutcome, Platform, PlatformDelivery
from connectors.selectors import delivery_detail, delivery_list
from connectors.services.deliveries import delivery_reapply, delivery_resolve
from shared.errors import OrderError, TransitionPermissionDenied

from .frame import dashboard_render, dashboard_staff_required, forbidden

VIEW_PERMISSION = "connectors.view_platformdelivery"
PAGE_SIZE = 50


def _viewer_only(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_perm(VIEW_PERMISSION):
        return None
    return forbidden(request, _("Platform deliveries are for customer care and managers."))


@require_GET
@dashboard_staff_required
def delivery_list_view(request: HttpRequest) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    platform, outcome = request.GET.get("platform", ""), request.GET.get("outcome", "")
    filters = {
        "attention": request.GET.get("attention") == "1",
        "platform": platform if platform in Platform.values else "",
        "outcome": outcome if outcome in DeliveryOutcome.values else "",
    }
    query = {name: value for name, value in filters.items() if value}
    if filters["attention"]:
        query["attention"] = "1"
    deliveries = delivery_list(
        platform=filters["platform"],
        outcome=filters["outcome"],
        needs_attention=True if filters["attention"] else None,
    )
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/platform_deliveries.html",
        {
            "page": page,
            "page_query": urlencode(query),
            "filters": filters,
            "platforms": Platform.choices,
            "outcomes": DeliveryOutcome.choices,
        },
    )


def _delivery_or_404(pk: int) -> PlatformDelivery:
    found = delivery_detail(pk)
    if found is None:
        raise Http404("No such delivery.")
    return found


def _body_shown(delivery: PlatformDelivery) -> str:
    """The raw body as sent, indented when it is JSON (what staff compare with the platform)."""
    try:
        return json.dumps(json.loads(delivery.raw_body), indent=2, ensure_ascii=False)
    except ValueError:
        return delivery.raw_body


@require_GET
@dashboard_staff_required
def delivery_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    delivery = _delivery_or_404(pk)
    return dashboard_render(
        request,
        "dashboard/platform_delivery.html",
        {
            "delivery": delivery,
            "body": _body_shown(delivery),
            "may_reapply": request.user.has_perm("connectors.reapply_platformdelivery"),
            "may_resolve": request.user.has_perm("connectors.change_platformdelivery"),
        },
    )


@require_POST
@dashboard_staff_required
def delivery_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    delivery = _delivery_or_404(pk)
    try:
        delivery = delivery_reapply(delivery, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        return redirect("dashboard:platform-delivery", pk=pk)
    if delivery.outcome in (DeliveryOutcome.APPLIED, DeliveryOutcome.IGNORED):
        messages.success(
            request,
            _("Applied again: %(outcome)s.") % {"outcome": delivery.get_outcome_display()},
        )
    else:
        messages.warning(
            request,
            _("Applied again, still %(outcome)s: %(error)s")
            % {"outcome": delivery.get_outcome_display().lower(), "error": delivery.error},
        )
    return redirect("dashboard:platform-delivery", pk=pk)


@require_POST
@dashboard_staff_required
def delivery_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    refused = _viewer_only(request)
    if refused:
        return refused
    delivery = _delivery_or_404(pk)
    try:
        delivery_resolve(delivery, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    messages.success(request, _("Marked as dealt with."))
    return redirect("dashboard:platform-delivery", pk=pk)


urlpatterns = [
    path("platform-deliveries/", delivery_list_view, name="platform-deliveries"),
    path("platform-deliveries/<int:pk>/", delivery_detail_view, name="platform-delivery"),
    path(
        "platform-deliveries/<int:pk>/apply/", delivery_apply_view, name="platform-delivery-apply"
    ),
    path(
        "platform-deliveries/<int:pk>/resolve/",
        delivery_resolve_view,
        name="platform-delivery-resolve",
    ),
]
