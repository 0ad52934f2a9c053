"""Celery tasks of the orders app."""

import logging

from celery import shared_task

from shared.outbox import outbox_batch_fan_out

from .bulk import bulk_job_run_now
from .planning import sla_alerts_email, sla_breaches_record

logger = logging.getLogger(__name__)


@shared_task(name="orders.outbox_messages_send", ignore_result=True)
def outbox_messages_send(messages: list[list]) -> None:
    """Publish a web process's batch of outbox messages, each to its own queue."""
    outbox_batch_fan_out(messages)


@shared_task(name="orders.sla_watch", ignore_result=True)
def sla_watch() -> None:
    """Record new service-level breaches and e-mail them to the team leads (beat, 5 min)."""
    raised = sla_breaches_record()
    emailed = sla_alerts_email()
    if raised or emailed:
        logger.info("service levels: %s new alerts, %s e-mailed", raised, emailed)


@shared_task(name="orders.bulk_job_run", ignore_result=True)
def bulk_job_run(job_id: int) -> None:
    """Run a bulk job's pending orders (queued after the job is committed)."""
    job = bulk_job_run_now(job_id)
    logger.info("bulk job %s: %s", job.pk, job.status)
