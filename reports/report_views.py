"""Finance reports on the dashboard: ask for one, watch it being made, download its files."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from orders.dashboard.views import dashboard_render, dashboard_staff_required
from orders.exceptions import OrderError
from orders.models import Storefront

from .models import ReportRun, ReportRunStatus
from .services import REPORT_PERMISSION, report_run_start

FILES = {"csv": "csv_file", "xlsx": "xlsx_file", "html": "html_file"}


def _require_finance(request: HttpRequest) -> None:
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def report_runs(request: HttpRequest) -> HttpResponse:
    """The recent runs, and a form for a new one."""
    _require_finance(request)
    errors: list[str] = []
    today = timezone.localdate()
    values = {
        "start": request.POST.get("start", today.replace(day=1).isoformat()),
        "end": request.POST.get("end", today.isoformat()),
        "storefront": request.POST.get("storefront", ""),
    }
    if request.method == "POST":
        start, end = _day(values["start"]), _day(values["end"])
        storefront = (
            Storefront.objects.filter(code=values["storefront"]).first()
            if values["storefront"]
            else None
        )
        if start is None or end is None:
            errors.append("Give both dates as YYYY-MM-DD.")
        elif values["storefront"] and storefront is None:
            errors.append("No such storefront.")
        else:
            try:
                run = report_run_start(
                    start=start, end=end, storefront=storefront, actor=request.user
                )
            except OrderError as error:
                errors.append(error.message)
            else:
                return redirect("finance:run", pk=run.pk)
    return dashboard_render(
        request,
        "reports/runs.html",
        {
            "runs": ReportRun.objects.select_related("storefront", "created_by")[:30],
            "storefronts": Storefront.objects.order_by("name"),
            "values": values,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_GET
@dashboard_staff_required
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its progress bar while it is made (htmx polls), then its files."""
    _require_finance(request)
    run = get_object_or_404(ReportRun.objects.select_related("storefront"), pk=pk)
    return dashboard_render(request, "reports/run.html", {"run": run})


@require_GET
@dashboard_staff_required
def report_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    _require_finance(request)
    run = get_object_or_404(ReportRun, pk=pk)
    response = render(request, "reports/_run_progress.html", {"run": run})
    if run.status in (ReportRunStatus.DONE, ReportRunStatus.FAILED):
        response["HX-Refresh"] = "true"
    return response


@require_GET
@dashboard_staff_required
def report_run_download(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    _require_finance(request)
    run = get_object_or_404(ReportRun, pk=pk)
    stored = getattr(run, FILES[kind], None) if kind in FILES else None
    if not stored:
        raise Http404("No such file.")
    return FileResponse(
        stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1]
    )
