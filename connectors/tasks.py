"""Celery tasks of the connectors app."""

import logging

from celery import shared_task

from .import_jobs import IMPORT_TASK, import_job_run_now

logger = logging.getLogger(__name__)


# -- order files (connectors.import_jobs) -------------------------------------


@shared_task(name=IMPORT_TASK, ignore_result=True)
def import_job_run(job_id: int) -> None:
    """Import a confirmed file's orders (queued once the confirmation is committed)."""
    job = import_job_run_now(job_id)
    logger.info(
        "import job %s: %s, %s created, %s already there, %s refused",
        job.pk,
        job.status,
        job.orders_created,
        job.orders_existing,
        job.orders_failed,
    )
