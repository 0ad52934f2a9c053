"""The orders app's own work in progress in the demo: a finished bulk job.

Runs after the orders are seeded (and on every later seeding, adding what is
missing), so the bulk job page has a job with a result for each order: some
confirmed, some refused with the reason the service gave.
"""

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser

from ..bulk import bulk_job_run_now, bulk_job_start
from ..models import BulkJob, Order, OrderStatus, Storefront

# The manager confirms the oldest received orders at once: up to this many, and never
# more than a third of them, so that the "to confirm" queue keeps some.
BULK_JOB_ORDERS = 6


def bulk_job_ensure(
    *, storefronts: Mapping[str, Storefront], actors: Mapping[str, AbstractBaseUser]
) -> BulkJob | None:
    """Return the demo's finished bulk job, run now through the bulk service if missing."""
    manager = actors["manager"]
    job = BulkJob.objects.filter(created_by=manager).order_by("id").first()
    if job is not None:
        return job
    received = Order.objects.filter(
        storefront__in=list(storefronts.values()), status=OrderStatus.RECEIVED
    )
    size = min(BULK_JOB_ORDERS, received.count() // 3)
    numbers = list(received.order_by("placed_at", "id").values_list("number", flat=True)[:size])
    if not numbers:
        return None
    job = bulk_job_start(
        user=manager,
        numbers=numbers,
        transition="confirm",
        note="Morning batch: confirming yesterday's orders.",
    )
    # Run here rather than wait for a worker: `make run` starts its worker only after
    # seeding. The job is safe to run twice, so the queued task finds nothing left to do.
    return bulk_job_run_now(job.pk)
