"""Import jobs: a file uploaded on the dashboard, previewed, then imported in the background.

1. `import_job_upload` keeps the file (default storage) on a job waiting for
   confirmation, once it could be read and has the required columns, and
   checks it (nothing written): the preview.
2. `import_job_check` checks it again when the preview is shown later.
3. `import_job_confirm` queues the job (Celery task `connectors.import_job_run`).
4. `import_job_run_now` checks the file again (the orders may have changed
   since the preview) and creates its good orders one by one, updating the
   counts the progress bar shows; the file is deleted once read.

`import_file_run` runs a file given on the command line the same way, at once.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Storefront
from shared.actors import Actor
from shared.outbox import enqueue

from .import_files import MAX_FILE_BYTES, ImportFileError, OrderFile, order_file_read
from .imports import ImportCheck, ImportResult, import_check, import_note, import_run
from .models import ImportJob, ImportJobStatus

logger = logging.getLogger(__name__)

IMPORT_TASK = "connectors.import_job_run"
# How often a running job writes its counts: often enough for a bar polled every second.
_PROGRESS_EVERY_SECONDS = 0.5


def import_job_upload(
    *, storefront: Storefront, user: Actor, uploaded: UploadedFile
) -> tuple[ImportJob, ImportCheck]:
    """Keep an uploaded file on a new job waiting for confirmation, and its check (the preview).

    Raises ImportFileError (too large, wrong type, unreadable, columns missing):
    nothing is kept then. The file is read once here, so that a large one is
    previewed within one request.
    """
    if uploaded.size is not None and uploaded.size > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(limit)s MB: split it into smaller files.")
            % {"limit": MAX_FILE_BYTES // (1024 * 1024)}
        )
    content = uploaded.read(MAX_FILE_BYTES + 1)
    name = (uploaded.name or "orders").rsplit("/", 1)[-1][:255]
    order_file = order_file_read(content, name=name)
    job = ImportJob(
        storefront=storefront,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        file_name=name,
        file_sha256=hashlib.sha256(content).hexdigest(),
        status=ImportJobStatus.PREVIEW,
        rows_total=len(order_file.rows),
    )
    job.file.save(name, ContentFile(content), save=False)
    job.save()
    return job, import_check(order_file, storefront=storefront)


def import_job_check(job: ImportJob) -> ImportCheck:
    """Check the job's file against the storefront's orders now; nothing is written."""
    with job.file.open("rb") as stored:
        content = stored.read()
    return import_check(order_file_read(content, name=job.file_name), storefront=job.storefront)


def import_job_seen_before(job: ImportJob) -> ImportJob | None:
    """An earlier import of the same file for the same storefront, if there is one."""
    return (
        ImportJob.objects.filter(storefront=job.storefront, file_sha256=job.file_sha256)
        .exclude(pk=job.pk)
        .exclude(status=ImportJobStatus.PREVIEW)
        .order_by("-created_at", "-id")
        .first()
    )


def import_job_confirm(job: ImportJob) -> bool:
    """Queue a previewed job; False if it was already confirmed (a second click)."""
    with transaction.atomic():
        queued = ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.PREVIEW).update(
            status=ImportJobStatus.QUEUED
        )
        if queued:
            transaction.on_commit(lambda: enqueue(IMPORT_TASK, job.pk))
    return bool(queued)


def import_job_discard(job: ImportJob) -> bool:
    """Delete a previewed job and its file; False if it was already started."""
    with transaction.atomic():
        deleted, _rows = ImportJob.objects.filter(
            pk=job.pk, status=ImportJobStatus.PREVIEW
        ).delete()
        if deleted and job.file:
            # The file goes once the row is gone for good (a rollback keeps both).
            storage, name = job.file.storage, job.file.name
            transaction.on_commit(lambda: storage.delete(name))
    return bool(deleted)


def _stopped() -> str:
    """What staff read when an import stopped for a reason of ours (the traceback is logged)."""
    return _(
        "The import stopped unexpectedly; the orders created so far are kept. "
        "Upload the file again to import the rest: orders already there are left alone."
    )


def import_job_run_now(job_id: int) -> ImportJob:
    """Run a queued job; a job already started (or previewed only) is left as it is."""
    started = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED).update(
        status=ImportJobStatus.RUNNING, started_at=timezone.now()
    )
    job = ImportJob.objects.select_related("storefront", "created_by").get(pk=job_id)
    if not started:
        return job
    seen: dict[str, ImportResult | int] = {}
    try:
        check = import_job_check(job)
    except (ImportFileError, OSError) as error:
        return _job_finish(job, status=ImportJobStatus.FAILED, error=str(error))
    except Exception:
        logger.exception("import job %s: its file could not be read", job.pk)
        return _job_finish(job, status=ImportJobStatus.FAILED, error=_stopped())
    try:
        _job_run(job, check, actor=job.created_by, seen=seen)
    except Exception:
        # Orders created so far stand (each had its own transaction): the job says
        # how far it got, and importing the file again creates only the rest.
        logger.exception("import job %s failed", job.pk)
        if seen:
            result = seen["result"]
            job.row_errors = [error.as_dict() for error in result.row_errors]
            _job_counts_save(job, result, seen["processed"], "row_errors")
        return _job_finish(job, status=ImportJobStatus.FAILED, error=_stopped())
    return _job_finish(job, status=ImportJobStatus.DONE)


def import_file_run(
    *, order_file: OrderFile, content: bytes, storefront: Storefront
) -> tuple[ImportJob, ImportResult]:
    """Import a file read from `content` at once (the command), recorded as a job."""
    check = import_check(order_file, storefront=storefront)
    job = ImportJob.objects.create(
        storefront=storefront,
        file_name=order_file.name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        status=ImportJobStatus.RUNNING,
        started_at=timezone.now(),
    )
    result = _job_run(job, check, actor=None)
    return _job_finish(job, status=ImportJobStatus.DONE), result


def _job_run(
    job: ImportJob, check: ImportCheck, *, actor: Actor, seen: dict | None = None
) -> ImportResult:
    """Import the checked orders, writing the job's counts as it goes.

    `seen` keeps the latest counts (the writes are throttled), for a job that stops
    half way to record how far it got.
    """
    job.rows_total = check.rows_total
    job.orders_total = len(check.orders)
    job.save(update_fields=["rows_total", "orders_total"])
    last_write = 0.0

    def progress(result: ImportResult, processed: int) -> None:
        nonlocal last_write
        if seen is not None:
            seen.update(result=result, processed=processed)
        if time.monotonic() - last_write >= _PROGRESS_EVERY_SECONDS:
            last_write = time.monotonic()
            _job_counts_save(job, result, processed)

    result = import_run(check, actor=actor, note=import_note(job.file_name), progress=progress)
    job.row_errors = [error.as_dict() for error in result.row_errors]
    _job_counts_save(job, result, len(check.orders), "row_errors")
    return result


def _job_counts_save(
    job: ImportJob, result: ImportResult, processed: int, *also_fields: str
) -> None:
    job.orders_done = processed
    job.orders_created = result.created
    job.orders_existing = result.existing
    job.orders_failed = result.refused
    fields = ["orders_done", "orders_created", "orders_existing", "orders_failed"]
    job.save(update_fields=[*fields, *also_fields])


def _job_finish(job: ImportJob, *, status: str, error: str = "") -> ImportJob:
    """Record the end; the stored file has been read and is deleted."""
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:  # the storage is unreachable: the job's end is recorded all the same
            logger.warning("import job %s: stored file %s not deleted", job.pk, job.file.name)
    job.save(update_fields=["status", "error", "finished_at", "file"])
    return job
