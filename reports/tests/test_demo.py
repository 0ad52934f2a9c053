"""The reports' demo data: cost rates, and ledger rows dated at the steps that wrote them."""

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.demo import demo_data_seed
from orders.models import Order, OrderEvent, PaymentMethod
from reports.models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("private_media")


@pytest.mark.django_db
def test_each_storefront_has_cost_rates_and_a_rate_per_carrier_in_its_currency():
    demo_data_seed(orders=0)
    demo_data_seed(orders=0)

    rates = StorefrontCostRates.objects.order_by("storefront__code").values_list(
        "storefront__code", "packaging_per_package", "handling_per_order"
    )
    assert list(rates) == [
        ("demo", Decimal("8000"), Decimal("5000")),
        ("global", Decimal("0.60"), Decimal("0.40")),
    ]
    carrier_rates = CarrierRate.objects.order_by("storefront__code", "carrier__code")
    assert list(carrier_rates.values_list("storefront__code", "carrier__code", "per_shipment")) == [
        ("demo", "dhl", Decimal("18000")),
        ("demo", "ghn", Decimal("22000")),
        ("demo", "ghtk", Decimal("26000")),
        ("demo", "vnpost", Decimal("30000")),
        ("global", "dhl", Decimal("2.50")),
        ("global", "ghn", Decimal("3.50")),
        ("global", "ghtk", Decimal("4.50")),
        ("global", "vnpost", Decimal("5.50")),
    ]


@pytest.mark.django_db
def test_ledger_rows_are_dated_at_the_step_that_wrote_them():
    before = timezone.now()
    demo_data_seed(orders=60)

    entries = list(LedgerEntry.objects.select_related("order"))
    assert {entry.kind for entry in entries} >= {
        LedgerKind.REVENUE,
        LedgerKind.PACKAGING_COST,
        LedgerKind.CARRIER_COST,
        LedgerKind.HANDLING_COST,
        LedgerKind.REFUND,
    }
    for entry in entries:
        assert entry.occurred_at == entry.created_at
        assert entry.order.placed_at <= entry.occurred_at < before
        step_times = dict(
            OrderEvent.objects.filter(order=entry.order)
            .exclude(transition="")
            .order_by("id")
            .values_list("transition", "created_at")
        )
        if entry.kind == LedgerKind.PACKAGING_COST:
            assert entry.occurred_at == step_times["mark_ready_to_ship"]
        elif entry.kind == LedgerKind.HANDLING_COST:
            assert entry.occurred_at == step_times["ship"]
        elif entry.kind == LedgerKind.REVENUE:
            by_cash = entry.payment_method == PaymentMethod.CASH_ON_DELIVERY
            assert entry.occurred_at == step_times["deliver" if by_cash else "capture_payment"]
    assert Order.objects.filter(ledger_entries__isnull=False).distinct().count() > 20
