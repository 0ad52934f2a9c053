"""Bulk work from the dashboard: preview a transition over selected orders, run it as a job."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from orders import bulk as bulk_work
from orders.models import BulkJob, BulkJobItemStatus
from orders.money_moves import money_move_describe, transition_moves_money
from orders.services import TRANSITIONS
from shared.errors import OrderError
from shared.parsing import version_or_none

from .frame import dashboard_render, dashboard_staff_required


@dashboard_staff_required
@require_POST
def bulk_preview(request: HttpRequest) -> HttpResponse:
    """Which of the selected orders can take the transition, before anything runs."""
    numbers = request.POST.getlist("orders")
    transition = request.POST.get("transition", "")
    try:
        preview = bulk_work.bulk_preview(user=request.user, numbers=numbers, transition=transition)
    except OrderError as error:
        messages.error(request, error.message)
        return redirect(_back(request))
    spec = TRANSITIONS[transition]
    # A bulk cancel refunds or voids order by order: the preview says which, and how much.
    money_moves = (
        [(order, money_move_describe(order, transition)) for order in preview.eligible]
        if transition_moves_money(transition)
        else []
    )
    return dashboard_render(
        request,
        "dashboard/bulk_preview.html",
        {
            "preview": preview,
            "spec": spec,
            "hold_reasons": TRANSITIONS["hold"].reason_choices_for(request.user),
            "money_moves": money_moves,
            "selected_count": len(preview.eligible) + len(preview.refused),
        },
    )


@dashboard_staff_required
@require_POST
def bulk_run(request: HttpRequest) -> HttpResponse:
    """Start the job for the orders confirmed on the preview."""
    numbers = request.POST.getlist("orders")
    try:
        job = bulk_work.bulk_job_start(
            user=request.user,
            numbers=numbers,
            # The versions the preview showed (sent for money moves): see bulk_job_start.
            versions={
                number.strip().upper(): version_or_none(
                    request.POST.get(f"version_{number}"), field=f"version_{number}"
                )
                for number in numbers
                if f"version_{number}" in request.POST
            },
            transition=request.POST.get("transition", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except OrderError as error:
        messages.error(request, error.message)
        return redirect("dashboard:board")
    return redirect("dashboard:bulk-job", pk=job.pk)


def _back(request: HttpRequest) -> str:
    """The queue the selection came from, if it is ours; else the board."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("dashboard:board")


def _job_for(request: HttpRequest, pk: int) -> BulkJob:
    job = get_object_or_404(BulkJob.objects.select_related("created_by"), pk=pk)
    if job.created_by_id != request.user.pk and not request.user.has_perm(
        "orders.work_any_team_order"
    ):
        raise PermissionDenied
    return job


@dashboard_staff_required
@require_GET
def bulk_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress bar (polled with htmx while it runs) and each order's result."""
    job = _job_for(request, pk)
    counts = bulk_work.bulk_job_counts(job)
    items = job.items.select_related("order").order_by("status", "id")
    return dashboard_render(
        request,
        "dashboard/bulk_job.html",
        {
            "job": job,
            "counts": counts,
            "spec": TRANSITIONS.get(job.transition),
            "items": items if counts["pending"] == 0 else None,
            "failed_status": BulkJobItemStatus.FAILED,
        },
    )


@dashboard_staff_required
@require_GET
def bulk_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; once nothing is pending it tells htmx to reload the page."""
    job = _job_for(request, pk)
    counts = bulk_work.bulk_job_counts(job)
    response = render(request, "dashboard/_bulk_progress.html", {"job": job, "counts": counts})
    if counts["pending"] == 0:
        response["HX-Refresh"] = "true"
    return response
