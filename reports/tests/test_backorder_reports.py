"""A split counts nothing twice in finance: one order placed, the same revenue in total."""

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.models import OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import WAREHOUSE
from orders.services import order_split
from orders.tests.factories import order_in_state, user_with_role
from reports.kpi import kpi_orders_per_day
from reports.selectors import ReportPeriod, finance_report_rows

pytestmark = pytest.mark.django_db


def test_the_finance_report_and_kpi_count_the_order_once_and_its_revenue_once():
    order = order_in_state(
        OrderStatus.PROCESSING, payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID
    )
    today = timezone.localdate()
    period = ReportPeriod(today, today)
    before = finance_report_rows(period)
    per_day_before = kpi_orders_per_day(now=timezone.now()).totals[-1]

    order_split(
        order=order,
        actor=user_with_role(WAREHOUSE),
        reason="later",
        lines=[{"sku": "MUG-1", "quantity": 2}],
    )

    after = finance_report_rows(period)
    total_before = next(row for row in before if row["storefront"] == "TOTAL")
    total_after = next(row for row in after if row["storefront"] == "TOTAL")
    assert total_after["orders"] == total_before["orders"] == 1
    assert total_after["revenue"] == total_before["revenue"] == Decimal("355001")
    assert total_after["shipping_charged"] == Decimal("30000")
    assert kpi_orders_per_day(now=timezone.now()).totals[-1] == per_day_before == 1
