"""Bulk transitions: preview, then a background job where each order stands alone."""

import pytest

from orders.bulk import bulk_job_counts, bulk_job_run_now, bulk_job_start, bulk_preview
from orders.models import (
    BulkJob,
    BulkJobItemStatus,
    BulkJobStatus,
    Department,
    OrderEvent,
    OrderStatus,
    Team,
)
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from shared.errors import OrderValidationError, TransitionPermissionDenied

from .factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_preview_says_which_orders_can_move_and_why_not_the_others():
    picker = user_with_role(WAREHOUSE)
    other_team = Team.objects.create(
        name="Night shift", code="night", department=Department.objects.create(name="F", code="f")
    )
    picker.teams.add(Team.objects.create(name="Day", code="day", department=other_team.department))
    ready = order_in_state(OrderStatus.PROCESSING)
    too_early = order_in_state(OrderStatus.RECEIVED)
    theirs = order_in_state(OrderStatus.PROCESSING)
    theirs.team = other_team
    theirs.save(update_fields=["team"])

    preview = bulk_preview(
        user=picker,
        numbers=[ready.number, too_early.number.lower(), theirs.number, "ORNOSUCH", ready.number],
        transition="start_picking",
    )

    assert [order.number for order in preview.eligible] == [ready.number]
    assert [(number, why) for number, _, why in preview.refused] == [
        (too_early.number, "It is received."),
        (theirs.number, "It belongs to team Night shift, not to yours."),
        ("ORNOSUCH", "No such order."),
    ]


def test_conditions_are_named_in_the_preview():
    order = order_in_state(OrderStatus.PACKING)  # nothing packed yet

    preview = bulk_preview(
        user=user_with_role(WAREHOUSE), numbers=[order.number], transition="mark_ready_to_ship"
    )

    assert "Still to pack" in preview.refused[0][2]


@pytest.mark.usefixtures("tasks_in_process")
def test_a_job_over_100_orders_moves_the_eligible_and_reports_each_refusal():
    lead = user_with_role(MANAGER)
    eligible = [order_in_state(OrderStatus.PROCESSING) for _ in range(80)]
    refused = [order_in_state(OrderStatus.RECEIVED) for _ in range(20)]

    job = bulk_job_start(
        user=lead,
        numbers=[o.number for o in eligible + refused],
        transition="start_picking",
        note="Morning wave",
    )

    job.refresh_from_db()
    assert job.status == BulkJobStatus.DONE
    assert bulk_job_counts(job) == {
        "total": 100,
        "succeeded": 80,
        "failed": 20,
        "pending": 0,
        "processed": 100,
        "percent": 100,
    }
    failed = job.items.filter(status=BulkJobItemStatus.FAILED).select_related("order")
    assert {item.order.number for item in failed} == {o.number for o in refused}
    assert {item.error_code for item in failed} == {"invalid_transition"}
    assert all(item.message.endswith("its status is 'received'.") for item in failed)
    for order in eligible:
        order.refresh_from_db()
        assert order.status == OrderStatus.PICKING
        assert order.events.latest("id").note == "Morning wave"
    for order in refused:
        order.refresh_from_db()
        assert order.status == OrderStatus.RECEIVED


def test_running_a_job_again_moves_nothing_twice():
    lead = user_with_role(MANAGER)
    orders = [order_in_state(OrderStatus.PROCESSING) for _ in range(3)]
    job = BulkJob.objects.create(created_by=lead, transition="start_picking", total=3)
    job.items.create(order=orders[0])
    job.items.create(order=orders[1])
    job.items.create(order=orders[2])
    events_before = OrderEvent.objects.count()

    bulk_job_run_now(job.pk)
    bulk_job_run_now(job.pk)

    assert OrderEvent.objects.count() == events_before + 3
    assert bulk_job_counts(job)["succeeded"] == 3


def test_bad_requests_are_refused_before_anything_is_queued():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(TransitionPermissionDenied):
        bulk_job_start(user=user_with_role(WAREHOUSE), numbers=[order.number], transition="cancel")
    with pytest.raises(OrderValidationError, match="A reason is required"):
        bulk_job_start(user=care, numbers=[order.number], transition="cancel")
    with pytest.raises(OrderValidationError, match="at most 500"):
        bulk_job_start(
            user=care,
            numbers=[f"OR{i:08d}" for i in range(501)],
            transition="hold",
            reason="stock_shortage",
        )
    with pytest.raises(OrderValidationError, match="Only status transitions"):
        bulk_job_start(user=care, numbers=[order.number], transition="capture_payment")
    assert not BulkJob.objects.exists()
