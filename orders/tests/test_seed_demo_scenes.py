"""The demo's scenes as staff see them: supplier requests, carrier scans, a bulk job, a report."""

import pytest
from django.db import transaction
from django.test.utils import override_settings

from fulfillment.models import (
    Shipment,
    SupplierRequest,
    SupplierRequestStatus,
    TrackingEvent,
    TrackingEventStatus,
)
from orders.demo import demo_data_seed
from orders.models import (
    BulkJob,
    BulkJobItemStatus,
    BulkJobStatus,
    HoldReason,
    Order,
    OrderStatus,
)
from reports.models import ReportRun, ReportRunStatus


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """80 demo orders with their scenes, seeded once for the tests that only read them."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_data_seed(orders=80)
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_supplier_requests_are_in_each_status_and_hold_their_orders_while_open(seeded):
    requests = SupplierRequest.objects.select_related("order")
    assert sorted(requests.values_list("status", flat=True)) == sorted(SupplierRequestStatus.values)
    for request in requests:
        if request.status == SupplierRequestStatus.RECEIVED:
            # The goods came: an order held for them only is moving again.
            assert request.order.status != OrderStatus.ON_HOLD
        else:
            assert request.order.status == OrderStatus.ON_HOLD, request


@pytest.mark.django_db
def test_shipped_orders_have_scans_and_a_failed_attempt_holds_its_order(seeded):
    shipped = Shipment.objects.filter(order__status=OrderStatus.SHIPPED)
    assert shipped.exists()
    for shipment in shipped:
        assert shipment.tracking_events.filter(status=TrackingEventStatus.IN_TRANSIT).exists()
    failed = TrackingEvent.objects.select_related("shipment__order").get(
        status=TrackingEventStatus.FAILED_ATTEMPT
    )
    order = failed.shipment.order
    assert (order.status, order.hold_reason, order.held_from_status) == (
        OrderStatus.ON_HOLD,
        HoldReason.DELIVERY_FAILED,
        OrderStatus.SHIPPED,
    )
    assert failed.message and failed.location
    # Scans are dated between the order's earlier history and now, in order.
    times = list(order.events.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)


@pytest.mark.django_db
def test_the_bulk_job_is_finished_with_a_result_for_each_order(seeded):
    job = BulkJob.objects.get()
    items = list(job.items.all())
    assert (job.status, job.transition, job.created_by.username) == (
        BulkJobStatus.DONE,
        "confirm",
        "manager",
    )
    assert len(items) == job.total > 0
    assert {item.status for item in items} <= {
        BulkJobItemStatus.SUCCEEDED,
        BulkJobItemStatus.FAILED,
    }
    for item in items:
        if item.status == BulkJobItemStatus.FAILED:
            assert item.message and item.error_code
        else:
            assert Order.objects.get(pk=item.order_id).status != OrderStatus.RECEIVED
    # The "to confirm" queue keeps some orders.
    assert Order.objects.filter(status=OrderStatus.RECEIVED).exists()


@pytest.mark.django_db
def test_the_report_run_is_finished_with_its_files(seeded):
    run = ReportRun.objects.get()
    assert (run.status, run.created_by.username) == (ReportRunStatus.DONE, "finance")
    assert run.csv_file and run.xlsx_file and run.html_file
