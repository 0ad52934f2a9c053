"""Orders from a file (CSV or XLSX), uploaded on the dashboard: preview, confirm, progress.

`/dashboard/imports/` (`connectors.import_orders`: managers and customer care):

1. Upload a file for a storefront: it is read and its columns checked at once
   (a file that cannot be imported is a form error) and kept on a job.
2. The answer previews it (and the job's page again later): the orders to
   create, those already there, and each row that would not be imported, by
   row number. Nothing is written yet.
3. "Import N orders" queues the job (a Celery task); its page shows a progress
   bar (htmx polls it) and then the counts and the rows not imported.

The work is `connectors.import_jobs`; this module only shows it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connectors.import_files import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ImportFileError,
    file_format_guess,
)
from connectors.import_jobs import (
    import_job_check,
    import_job_confirm,
    import_job_discard,
    import_job_seen_before,
    import_job_upload,
)
from connectors.imports import ImportCheck
from connectors.models import ImportJob, ImportJobStatus
from orders.services import storefronts_for_taking

from .frame import dashboard_render, dashboard_staff_required, forbidden

IMPORT_PERMISSION = "connectors.import_orders"
# What the preview lists one by one; the counts always cover the whole file.
PREVIEW_LIST_LIMIT = 200
ROW_ERRORS_SHOWN = 1000


def import_urls() -> list:
    return [
        path("imports/", imports_page, name="imports"),
        path("imports/<int:pk>/", import_job_page, name="import-job"),
        path("imports/<int:pk>/confirm/", import_job_start, name="import-job-confirm"),
        path("imports/<int:pk>/discard/", import_job_discard_view, name="import-job-discard"),
        path("imports/<int:pk>/progress/", import_job_progress, name="import-job-progress"),
    ]


class ImportUploadForm(forms.Form):
    storefront = forms.ModelChoiceField(
        label=gettext_lazy("Storefront"),
        queryset=storefronts_for_taking(),
        to_field_name="code",
        empty_label=gettext_lazy("Choose the storefront"),
    )
    file = forms.FileField(
        label=gettext_lazy("File (.csv or .xlsx)"),
        help_text=format_lazy(
            gettext_lazy(
                "One row per order line; the first row names the columns. At most {rows} rows "
                "and {size} MB."
            ),
            rows=f"{MAX_ROWS:,}",
            size=MAX_FILE_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB: split it into smaller files.")
                % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
        try:
            file_format_guess(uploaded.name)
        except ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        return uploaded


def _may_import(request: HttpRequest) -> HttpResponse | None:
    if request.user.has_perm(IMPORT_PERMISSION):
        return None
    return forbidden(request, _("Importing orders from files needs the import permission."))


@dashboard_staff_required
@require_http_methods(["GET", "POST"])
def imports_page(request: HttpRequest) -> HttpResponse:
    """Recent imports and the upload form; an upload is answered with its preview."""
    refused = _may_import(request)
    if refused is not None:
        return refused
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job, check = import_job_upload(
                storefront=form.cleaned_data["storefront"],
                user=request.user,
                uploaded=form.cleaned_data["file"],
            )
        except ImportFileError as error:
            form.add_error("file", error.message)
        else:
            # The preview at once, from the one reading of the file (a large XLSX
            # takes seconds to read); the job's own page shows it again later.
            return _job_render(request, job, check=check)
    jobs = ImportJob.objects.select_related("storefront", "created_by")[:30]
    return dashboard_render(
        request,
        "dashboard/imports.html",
        {
            "form": form,
            "jobs": jobs,
            "required_columns": REQUIRED_COLUMNS,
            "optional_columns": OPTIONAL_COLUMNS,
        },
        status=400 if form.errors else 200,
    )


@dashboard_staff_required
@require_GET
def import_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A job: its preview while it waits for confirmation, else its progress and result."""
    refused = _may_import(request)
    if refused is not None:
        return refused
    job = get_object_or_404(ImportJob.objects.select_related("storefront", "created_by"), pk=pk)
    if job.status != ImportJobStatus.PREVIEW:
        return _job_render(request, job)
    try:
        check = import_job_check(job)
    except (ImportFileError, OSError) as error:
        return _job_render(request, job, file_error=getattr(error, "message", str(error)))
    return _job_render(request, job, check=check)


def _job_render(
    request: HttpRequest, job: ImportJob, *, check: ImportCheck | None = None, file_error: str = ""
) -> HttpResponse:
    """A job's page: its preview (from `check`), or its progress and result."""
    context: dict[str, Any] = {"job": job, "progress": _progress(job), "file_error": file_error}
    if check is not None:
        row_errors = check.row_errors()
        context.update(
            check=check,
            to_create=check.to_create[:PREVIEW_LIST_LIMIT],
            existing=check.existing[:PREVIEW_LIST_LIMIT],
            row_errors=row_errors[:ROW_ERRORS_SHOWN],
            row_errors_hidden=max(0, len(row_errors) - ROW_ERRORS_SHOWN),
            seen_before=import_job_seen_before(job),
        )
    elif job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED):
        context.update(
            row_errors=job.row_errors[:ROW_ERRORS_SHOWN],
            row_errors_hidden=max(0, len(job.row_errors) - ROW_ERRORS_SHOWN),
        )
    return dashboard_render(request, "dashboard/import_job.html", context)


@dashboard_staff_required
@require_POST
def import_job_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the preview: the job is queued and its page shows the progress."""
    refused = _may_import(request)
    if refused is not None:
        return refused
    job = get_object_or_404(ImportJob, pk=pk)
    if not import_job_confirm(job):
        messages.info(request, _("This import was already started."))
    return redirect("dashboard:import-job", pk=job.pk)


@dashboard_staff_required
@require_POST
def import_job_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a preview that will not be imported: the job and its stored file go."""
    refused = _may_import(request)
    if refused is not None:
        return refused
    job = get_object_or_404(ImportJob, pk=pk)
    if import_job_discard(job):
        messages.success(request, _("The file was discarded; nothing was imported."))
        return redirect("dashboard:imports")
    messages.info(request, _("This import was already started."))
    return redirect("dashboard:import-job", pk=job.pk)


@dashboard_staff_required
@require_GET
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; once the job has finished it tells htmx to reload the page."""
    refused = _may_import(request)
    if refused is not None:
        return refused
    job = get_object_or_404(ImportJob, pk=pk)
    progress = _progress(job)
    response = render(
        request, "dashboard/_import_progress.html", {"job": job, "progress": progress}
    )
    if not progress["running"]:
        response["HX-Refresh"] = "true"
    return response


def _progress(job: ImportJob) -> dict:
    total = job.orders_total
    return {
        "running": job.status in (ImportJobStatus.QUEUED, ImportJobStatus.RUNNING),
        "total": total,
        "done": job.orders_done,
        "percent": round(100 * job.orders_done / total) if total else 0,
    }
