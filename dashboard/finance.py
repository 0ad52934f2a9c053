"""Finance on the dashboard: reports (ask, watch, download), the ledger and the cost rates.

The ledger and rate pages are plain forms that work without JavaScript: a
valid POST calls the service and redirects with a message; bad input comes back
as the form with its errors and status 400, a refusal as 403, nothing written.
"""

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.models import Storefront
from reports import selectors
from reports.ledger import ledger_entry_correct, user_may_correct_ledger
from reports.models import CarrierRate, LedgerEntry, ReportRun, ReportRunStatus, StorefrontCostRates
from reports.services import (
    REPORT_PERMISSION,
    carrier_rate_create,
    carrier_rate_update,
    cost_rates_update,
    report_run_start,
    user_may_see_cost_rates,
    user_may_set_carrier_rate,
    user_may_set_cost_rates,
)
from shared.errors import OrderError, OrderValidationError, TransitionPermissionDenied

from .finance_forms import (
    CarrierRateCreateForm,
    CarrierRateForm,
    CostRatesForm,
    LedgerCorrectionForm,
    LedgerFilterForm,
)
from .frame import dashboard_render, dashboard_staff_required

LEDGER_PAGE_SIZE = 50

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


# -- the ledger -----------------------------------------------------------------------


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return dashboard_render(request, "dashboard/403.html", {"message": message}, status=403)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on POST (an empty POST is still a submission), else None."""
    return request.POST if request.method == "POST" else None


def _errors_to_form(form: forms.Form, error: OrderValidationError) -> None:
    """Put a service's refusal on the form: on its fields where it names them."""
    placed = False
    for field, field_errors in error.details.items():
        if field in form.fields:
            for message in field_errors:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


@require_GET
@dashboard_staff_required
def ledger(request: HttpRequest) -> HttpResponse:
    """Ledger entries, newest first, filtered by storefront, kind, days and order number."""
    if not request.user.has_perm(REPORT_PERMISSION):
        return _forbidden(request, _("The ledger is for finance and managers."))
    form = LedgerFilterForm(request.GET or None)
    entries = selectors.ledger_entry_list(**form.filters())
    page = Paginator(entries, LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    return dashboard_render(
        request,
        "reports/ledger.html",
        {
            "form": form,
            "page": page,
            "page_query": urlencode(query),
            "may_correct": user_may_correct_ledger(request.user),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def ledger_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a correction of one entry: a new entry pointing at it, with a reason."""
    if not user_may_correct_ledger(request.user):
        return _forbidden(request, _("Only finance and managers may correct the ledger."))
    entry = get_object_or_404(LedgerEntry.objects.select_related("storefront", "order"), pk=pk)
    form = LedgerCorrectionForm(_posted(request), currency=entry.currency)
    if request.method == "POST" and form.is_valid():
        try:
            ledger_entry_correct(
                entry=entry,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except TransitionPermissionDenied as error:
            return _forbidden(request, error.message)
        except OrderValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The correction was recorded."))
            return redirect(
                reverse("finance:ledger") + "?" + urlencode({"order": entry.order.number})
            )
    return dashboard_render(
        request,
        "reports/ledger_correct.html",
        {"entry": entry, "form": form},
        status=400 if form.errors else 200,
    )


# -- cost rates -----------------------------------------------------------------------


@require_GET
@dashboard_staff_required
def cost_rates(request: HttpRequest) -> HttpResponse:
    """Every storefront's packaging and handling rates and recipients, and the carrier rates."""
    if not user_may_see_cost_rates(request.user):
        return _forbidden(request, _("Cost rates are for finance and managers."))
    user = request.user
    return dashboard_render(
        request,
        "reports/cost_rates.html",
        {
            "storefront_rates": (
                selectors.cost_rates_list()
                if user.has_perm("reports.view_storefrontcostrates")
                else []
            ),
            "carrier_rates": (
                selectors.carrier_rate_list() if user.has_perm("reports.view_carrierrate") else []
            ),
            "may_set_cost_rates": user_may_set_cost_rates(user, exists=True)
            or user_may_set_cost_rates(user, exists=False),
            "may_add_carrier_rate": user_may_set_carrier_rate(user, exists=False),
            "may_change_carrier_rate": user_may_set_carrier_rate(user, exists=True),
        },
    )


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def cost_rates_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Set one storefront's packaging and handling rates and its report recipients."""
    storefront = get_object_or_404(Storefront, code=code)
    rates = StorefrontCostRates.objects.filter(storefront=storefront).first()
    if not user_may_set_cost_rates(request.user, exists=rates is not None):
        return _forbidden(request, _("You may not set cost rates."))
    initial = (
        {
            "packaging_per_package": rates.packaging_per_package,
            "handling_per_order": rates.handling_per_order,
            "report_recipients": rates.report_recipients,
        }
        if rates
        else {"packaging_per_package": 0, "handling_per_order": 0}
    )
    form = CostRatesForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cost_rates_update(storefront=storefront, actor=request.user, **form.cleaned_data)
        except TransitionPermissionDenied as error:
            return _forbidden(request, error.message)
        except OrderValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                _("Cost rates of %(storefront)s saved.") % {"storefront": storefront.name},
            )
            return redirect("finance:cost-rates")
    return dashboard_render(
        request,
        "reports/cost_rates_edit.html",
        {"storefront": storefront, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def carrier_rate_add(request: HttpRequest, code: str) -> HttpResponse:
    """Add what a carrier charges one storefront."""
    if not user_may_set_carrier_rate(request.user, exists=False):
        return _forbidden(request, _("You may not set carrier rates."))
    storefront = get_object_or_404(Storefront, code=code)
    form = CarrierRateCreateForm(_posted(request), initial={"per_shipment": 0, "per_kg": 0})
    if request.method == "POST" and form.is_valid():
        try:
            carrier_rate_create(storefront=storefront, actor=request.user, **form.cleaned_data)
        except TransitionPermissionDenied as error:
            return _forbidden(request, error.message)
        except OrderValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Carrier rate saved."))
            return redirect("finance:cost-rates")
    return dashboard_render(
        request,
        "reports/carrier_rate_edit.html",
        {"storefront": storefront, "form": form, "rate": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def carrier_rate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change what a carrier charges a storefront."""
    if not user_may_set_carrier_rate(request.user, exists=True):
        return _forbidden(request, _("You may not set carrier rates."))
    rate = get_object_or_404(CarrierRate.objects.select_related("storefront", "carrier"), pk=pk)
    form = CarrierRateForm(
        _posted(request), initial={"per_shipment": rate.per_shipment, "per_kg": rate.per_kg}
    )
    if request.method == "POST" and form.is_valid():
        try:
            carrier_rate_update(rate=rate, actor=request.user, **form.cleaned_data)
        except TransitionPermissionDenied as error:
            return _forbidden(request, error.message)
        except OrderValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Carrier rate saved."))
            return redirect("finance:cost-rates")
    return dashboard_render(
        request,
        "reports/carrier_rate_edit.html",
        {"storefront": rate.storefront, "form": form, "rate": rate},
        status=400 if form.errors else 200,
    )
