"""A bulk cancel states, order by order, what happens to the money before anything runs."""

import re
from decimal import Decimal

import pytest

from orders.bulk import bulk_job_run_now
from orders.models import BulkJob, BulkJobItem, Order
from orders.roles import MANAGER
from orders.services import order_transition
from orders.tests.factories import user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db


def test_the_bulk_cancel_preview_says_what_each_order_refunds_or_voids(client):
    client.force_login(user_with_role(MANAGER))
    paid = order_make("processing", payment_method="card", payment_status="paid")
    authorized = order_make("processing", payment_method="card", payment_status="authorized")
    unpaid = order_make("processing")

    page = client.post(
        "/dashboard/bulk/",
        {"orders": [paid.number, authorized.number, unpaid.number], "transition": "cancel"},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert (
        f'<li data-money-move="{paid.number}">Cancel order {paid.number}. '
        f"Refund ₫210 to the card of order {paid.number}. "
        "Of the ₫210 paid, ₫210 will then be refunded.</li>"
    ) in html
    assert (
        f'<li data-money-move="{authorized.number}">Cancel order {authorized.number}. '
        f"Void the authorization of ₫210 on order {authorized.number}: "
        "the reserved money is released and never taken.</li>"
    ) in html
    assert (
        f'<li data-money-move="{unpaid.number}">Cancel order {unpaid.number}. '
        "No money was taken, so none moves.</li>"
    ) in html
    # The preview is the confirmation: nothing has moved, no job exists yet.
    assert not BulkJob.objects.exists()
    assert set(Order.objects.values_list("status", flat=True)) == {"processing"}


def test_a_preview_of_a_transition_that_moves_no_money_has_no_money_section(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")

    page = client.post(
        "/dashboard/bulk/", {"orders": [order.number], "transition": "start_picking"}
    )

    assert "data-money-move" not in page.content.decode()


def test_an_order_whose_money_changed_after_the_preview_is_refused_not_refunded(client):
    client.force_login(user_with_role(MANAGER))
    paid = order_make("processing", payment_method="card", payment_status="paid")
    unpaid = order_make("processing", payment_method="invoice")
    preview = client.post(
        "/dashboard/bulk/", {"orders": [paid.number, unpaid.number], "transition": "cancel"}
    ).content.decode()
    fields = dict(re.findall(r'name="(version_[A-Z0-9]+)" value="(\d+)"', preview))
    assert set(fields) == {f"version_{paid.number}", f"version_{unpaid.number}"}
    # The preview said "No money was taken" for this one; then it was paid.
    order_transition(order=unpaid, transition="capture_payment", actor=None)

    client.post(
        "/dashboard/bulk/run/",
        {
            "orders": [paid.number, unpaid.number],
            "transition": "cancel",
            "reason": "Closed",
            **fields,
        },
    )
    job = bulk_job_run_now(BulkJob.objects.get().pk)

    items = {item.order_id: item for item in BulkJobItem.objects.filter(job=job)}
    assert items[paid.pk].status == "succeeded"
    assert (items[unpaid.pk].status, items[unpaid.pk].error_code) == (
        "failed",
        "precondition_failed",
    )
    changed = Order.objects.get(pk=unpaid.pk)
    assert (changed.status, changed.payment_status, changed.amount_refunded) == (
        "processing",
        "paid",
        Decimal("0.00"),
    )
    assert Order.objects.get(pk=paid.pk).payment_status == "refunded"
