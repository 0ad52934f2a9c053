"""Demo data of the finance reports: cost rates, and ledger rows dated at their steps.

Registered into `orders.demo` from `ReportsConfig.ready()`, after fulfillment
(the carrier rates need its carriers). The ledger rows themselves are written
by the order service as each demo order moves; this only gives them the dates
of the steps that wrote them once the order's history has been backdated.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from fulfillment.models import Carrier
from orders.demo.seeders import DemoOrder, DemoSeeder
from orders.models import PaymentMethod, Storefront

from .models import CarrierRate, LedgerEntry, LedgerKind, ReportRun, StorefrontCostRates
from .services import report_run_make_now, report_run_start

# The finished report on the finance page covers the last days of trading.
REPORT_DAYS = 30

# Which step of an order's story each kind of ledger entry happened at.
_LEDGER_STEP = {
    LedgerKind.REFUND: ("refund_payment", "cancel"),
    LedgerKind.COD_COLLECTED: ("capture_payment",),
    LedgerKind.HANDLING_COST: ("ship",),
    LedgerKind.PACKAGING_COST: ("mark_ready_to_ship",),
    LedgerKind.CARRIER_COST: ("mark_ready_to_ship", "ship"),
}


class ReportsDemoSeeder(DemoSeeder):
    """Cost rates per storefront and carrier; ledger dates for every demo order."""

    name = "reports"
    requires = ("fulfillment",)

    def reference_ensure(self, *, storefronts: Mapping[str, Storefront]) -> None:
        _finance_ensure(storefronts)

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        _report_run_ensure(actors["finance"])

    def history_backdate(
        self,
        order: DemoOrder,
        *,
        placed_at: datetime,
        step_times: Mapping[str, datetime],
    ) -> None:
        _ledger_backdate(order.pk, placed_at, step_times)


def _finance_ensure(storefronts: Mapping[str, Storefront]) -> None:
    """Cost rates (so the ledger books costs) and a finance recipient per storefront."""
    for storefront in storefronts.values():
        usd = storefront.currency == "USD"
        StorefrontCostRates.objects.update_or_create(
            storefront=storefront,
            defaults={
                "packaging_per_package": Decimal("0.60") if usd else Decimal("8000"),
                "handling_per_order": Decimal("0.40") if usd else Decimal("5000"),
                "report_recipients": "finance@example.com",
            },
        )
        for index, carrier in enumerate(Carrier.objects.order_by("code")):
            CarrierRate.objects.update_or_create(
                storefront=storefront,
                carrier=carrier,
                defaults={
                    "per_shipment": Decimal("2.50") + index
                    if usd
                    else Decimal(18000 + 4000 * index),
                    "per_kg": Decimal("0.80") if usd else Decimal("6000"),
                },
            )


def _report_run_ensure(finance: AbstractBaseUser) -> None:
    """A finished finance report over the last 30 days, as finance would have asked for."""
    if ReportRun.objects.exists():
        return
    today = timezone.localdate()
    run = report_run_start(
        start=today - timedelta(days=REPORT_DAYS), end=today - timedelta(days=1), actor=finance
    )
    # Made here, not by a worker: `make run` starts its worker after seeding. A run
    # already made is not made again when the queued task comes.
    report_run_make_now(run.pk)


def _ledger_backdate(
    order_id: int, placed_at: datetime, last_time_of: Mapping[str, datetime]
) -> None:
    """Date the order's ledger entries at the steps that wrote them.

    The ledger is append-only for the application; the demo rewrites its own
    freshly made history in one raw UPDATE, as it does for events.
    """
    rows = []
    for pk, kind, method in LedgerEntry.objects.filter(order_id=order_id).values_list(
        "pk", "kind", "payment_method"
    ):
        if kind in (LedgerKind.REVENUE, LedgerKind.SHIPPING_CHARGED):
            steps = (
                ("deliver",) if method == PaymentMethod.CASH_ON_DELIVERY else ("capture_payment",)
            )
        else:
            steps = _LEDGER_STEP.get(kind, ())
        when = next((last_time_of[s] for s in steps if s in last_time_of), placed_at)
        rows.append((when, pk))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {LedgerEntry._meta.db_table} SET occurred_at = %s, created_at = %s "  # noqa: S608 - a model's table name
                "WHERE id = %s",
                [(when, when, pk) for when, pk in rows],
            )
