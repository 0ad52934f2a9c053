"""Bulk work: one status transition over up to 500 orders, previewed, then run as a job.

Each order goes through `order_transition` on its own, and its job item is
written in the same transaction: an order is either moved and marked done,
refused and marked with its reason, or untouched and still pending (a worker
that dies mid-job leaves the rest pending, and running the job again finishes
it). Nothing is half-done.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_fsm import can_proceed

from shared.actors import Actor
from shared.errors import OrderError, OrderValidationError
from shared.outbox import enqueue

from .locking import user_may_work_order
from .models import BulkJob, BulkJobItem, BulkJobItemStatus, BulkJobStatus, Order
from .services import (
    order_transition,
    transition_owner_require,
    transition_permission_refusal,
    transition_reason_validate,
    transition_spec_get,
    transition_unmet_conditions,
)


@dataclass
class BulkPreview:
    transition: str
    eligible: list[Order] = field(default_factory=list)
    # (order number, the order if it exists, why it cannot take the transition now)
    refused: list[tuple[str, Order | None, str]] = field(default_factory=list)


def bulk_numbers_clean(numbers: list[str]) -> list[str]:
    """The distinct order numbers, in the order given; at most BulkJob.MAX_ORDERS."""
    cleaned = list(dict.fromkeys(n.strip().upper() for n in numbers if n and n.strip()))
    if not cleaned:
        raise OrderValidationError(
            "Select at least one order.", details={"orders": ["Select at least one order."]}
        )
    if len(cleaned) > BulkJob.MAX_ORDERS:
        message = (
            f"Select at most {BulkJob.MAX_ORDERS} orders at a time (you chose {len(cleaned)})."
        )
        raise OrderValidationError(message, details={"orders": [message]})
    return cleaned


def bulk_preview(*, user: Actor, numbers: list[str], transition: str) -> BulkPreview:
    """Which of the orders `user` could move with `transition` now, and why not for the rest."""
    spec = transition_spec_get(transition)
    transition_owner_require(spec)
    if spec.field != "status":
        raise OrderValidationError(
            "Only status transitions can be run in bulk.",
            details={"transition": ["Choose a status transition."]},
        )
    numbers = bulk_numbers_clean(numbers)
    orders = Order.objects.select_related("team", "storefront").in_bulk(
        numbers, field_name="number"
    )
    preview = BulkPreview(transition=transition)
    may_run = spec.permitted(user)
    for number in numbers:
        order = orders.get(number)
        reason = _refusal(order, user, spec, may_run) if order else "No such order."
        if reason:
            preview.refused.append((number, order, reason))
        else:
            preview.eligible.append(order)
    return preview


def _refusal(order: Order, user: Actor, spec, may_run: bool) -> str:
    if not may_run:
        return f"You may not {spec.label.lower()} orders."
    if not user_may_work_order(order, user):
        return f"It belongs to team {order.team}, not to yours."
    if not can_proceed(getattr(order, spec.name), check_conditions=False):
        return f"It is {order.get_status_display().lower()}."
    unmet = transition_unmet_conditions(order, spec)
    return " ".join(unmet)


def bulk_job_start(
    *,
    user: Actor,
    numbers: list[str],
    transition: str,
    reason: str = "",
    note: str = "",
    versions: dict[str, int | None] | None = None,
) -> BulkJob:
    """Record a job for the orders and queue it; the worker moves them one by one.

    `versions` (order number -> the version its preview showed) binds each order
    to what the preview said: an order changed since is refused (412), so a bulk
    cancel never refunds or voids money the preview did not announce.
    """
    versions = versions or {}
    spec = transition_spec_get(transition)
    transition_owner_require(spec)
    if spec.field != "status":
        raise OrderValidationError("Only status transitions can be run in bulk.")
    if not spec.permitted(user):
        raise transition_permission_refusal(spec, user)
    reason = transition_reason_validate(spec, reason)
    if not spec.permitted(user, reason=reason or None):
        raise transition_permission_refusal(spec, user)
    numbers = bulk_numbers_clean(numbers)
    order_ids = dict(Order.objects.filter(number__in=numbers).values_list("number", "pk"))
    missing = [number for number in numbers if number not in order_ids]
    if missing:
        raise OrderValidationError(
            f"No such orders: {', '.join(missing[:10])}.", details={"orders": missing[:10]}
        )
    with transaction.atomic():
        job = BulkJob.objects.create(
            created_by=user,
            transition=transition,
            reason=reason,
            note=note.strip(),
            total=len(numbers),
        )
        BulkJobItem.objects.bulk_create(
            [
                BulkJobItem(
                    job=job, order_id=order_ids[number], expected_version=versions.get(number)
                )
                for number in numbers
            ]
        )
        transaction.on_commit(lambda: _bulk_job_enqueue(job.pk))
    return job


def _bulk_job_enqueue(job_id: int) -> None:
    # By name: the tasks module imports this one, not the other way round.
    enqueue("orders.bulk_job_run", job_id)


def bulk_job_run_now(job_id: int) -> BulkJob:
    """Move each pending order of the job; safe to run twice or at once (rows are locked)."""
    job = BulkJob.objects.get(pk=job_id)
    user = get_user_model().objects.get(pk=job.created_by_id)
    BulkJob.objects.filter(pk=job.pk, started_at__isnull=True).update(
        status=BulkJobStatus.RUNNING, started_at=timezone.now()
    )
    pending = list(job.items.filter(status=BulkJobItemStatus.PENDING).values_list("pk", flat=True))
    for item_id in pending:
        with transaction.atomic():
            item = (
                BulkJobItem.objects.select_for_update(skip_locked=True)
                .filter(pk=item_id, status=BulkJobItemStatus.PENDING)
                .first()
            )
            if item is None:  # another worker has it, or had it
                continue
            try:
                with transaction.atomic():
                    order_transition(
                        order=item.order_id,
                        transition=job.transition,
                        actor=user,
                        reason=job.reason,
                        note=job.note,
                        expected_version=item.expected_version,
                    )
            except OrderError as error:
                item.status = BulkJobItemStatus.FAILED
                item.error_code = error.code
                item.message = error.message[:500]
            else:
                item.status = BulkJobItemStatus.SUCCEEDED
            item.finished_at = timezone.now()
            item.save(update_fields=["status", "error_code", "message", "finished_at"])
    if not job.items.filter(status=BulkJobItemStatus.PENDING).exists():
        BulkJob.objects.filter(pk=job.pk).exclude(status=BulkJobStatus.DONE).update(
            status=BulkJobStatus.DONE, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def bulk_job_counts(job: BulkJob) -> dict[str, int]:
    """How many of the job's orders are done, refused and still pending (one query)."""
    counts = dict(job.items.values_list("status").annotate(n=Count("id")).order_by())
    done = counts.get(BulkJobItemStatus.SUCCEEDED, 0)
    failed = counts.get(BulkJobItemStatus.FAILED, 0)
    return {
        "total": job.total,
        "succeeded": done,
        "failed": failed,
        "pending": job.total - done - failed,
        "processed": done + failed,
        "percent": round(100 * (done + failed) / job.total) if job.total else 100,
    }
