"""The managers' KPI page: thin views over `reports.kpi`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reports import kpi as selectors

from .frame import dashboard_render, dashboard_staff_required


@require_GET
@dashboard_staff_required
def kpi(request: HttpRequest) -> HttpResponse:
    """Five charts, each with its data table: flow, stage times, on-time rate, backlog, money."""
    if not selectors.user_may_see_kpis(request.user):
        return dashboard_render(
            request,
            "dashboard/403.html",
            {"message": _("The KPI page is for managers and finance.")},
            status=403,
        )
    page = selectors.kpi_page(currency=request.GET.get("currency") or None)
    return dashboard_render(
        request,
        "reports/kpi.html",
        {"kpi": page, "charts": selectors.kpi_chart_data(page)},
    )
