"""The frame every dashboard page shares: who may see it, and what its header shows.

Order pages, fulfillment papers, after-sales and supplier requests, finance and
KPI pages all render through `dashboard_render`, so the header (alerts count,
the sections a user may open) is computed in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from aggregators.selectors import updates_needing_attention
from connectors.selectors import deliveries_needing_attention
from fulfillment.workflows import AFTER_SALES, SUPPLIER_REQUESTS
from orders.planning import sla_alerts_open
from reports.services import user_may_see_cost_rates

from . import selectors


def dashboard_staff_required(view: Callable) -> Callable:
    """Staff only; anyone else is sent to the dashboard's own login page."""
    return staff_member_required(view, login_url="dashboard:login")


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def dashboard_render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render a dashboard page with what the header shows on every page."""
    user = request.user
    context = {
        "sla_open_count": sla_alerts_open(user).count(),
        "may_see_overview": selectors.user_may_see_overview(user),
        # Finance figures: managers and finance (the ledger's readers).
        "may_see_finance": user.has_perm("reports.view_ledgerentry"),
        "may_see_cost_rates": user_may_see_cost_rates(user),
        # Returns and complaints (customer care); goods from suppliers (the warehouse).
        "may_see_after_sales": user.has_perm(AFTER_SALES.view_permission),
        "may_see_supplier_requests": user.has_perm(SUPPLIER_REQUESTS.view_permission),
        # Refunds customer care proposed: finance and managers approve them.
        "may_approve_refunds": user.has_perm("orders.refund_payment_order"),
        # Orders taken for customers by phone, chat or at the counter (dashboard.take_order).
        "may_take_orders": user.has_perm("orders.take_order"),
        # What customers asked to change before shipping: customer care and managers.
        "may_see_change_requests": user.has_perm("orders.view_orderchangerequest"),
        # Orders from CSV and XLSX files (dashboard.imports): managers and customer care.
        "may_import_orders": user.has_perm("connectors.import_orders"),
        # Platform deliveries our orders refused, waiting for someone (connectors).
        **_platform_deliveries_nav(user),
        # Tracking updates no shipment of ours matched, waiting for someone (aggregators).
        **_tracking_updates_nav(user),
        **context,
    }
    return render(request, template, context, status=status)


def _platform_deliveries_nav(user: Any) -> dict[str, Any]:
    if not user.has_perm("connectors.view_platformdelivery"):
        return {"may_see_platform_deliveries": False}
    return {
        "may_see_platform_deliveries": True,
        "platform_deliveries_open": deliveries_needing_attention().count(),
    }


def _tracking_updates_nav(user: Any) -> dict[str, Any]:
    if not user.has_perm("aggregators.view_trackingupdate"):
        return {"may_see_tracking_updates": False}
    return {
        "may_see_tracking_updates": True,
        "tracking_updates_open": updates_needing_attention().count(),
    }


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return dashboard_render(request, "dashboard/403.html", {"message": message}, status=403)
