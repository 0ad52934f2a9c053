"""The finance report: computed by the database from the ledger and the orders.

A period is whole days in the business's time zone, `start` to `end` inclusive.
Money figures are sums of ledger entries that occurred in the period; `orders`
counts orders placed in it; cash-on-delivery outstanding is what was earned
on delivery but not yet collected at the end of the period.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus, Storefront
from shared.errors import OrderValidationError

from .models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates

ZERO = Decimal("0.00")
REPORT_COLUMNS = [
    "storefront",
    "payment_method",
    "currency",
    "orders",
    "revenue",
    "refunds",
    "shipping_charged",
    "carrier_costs",
    "packaging_costs",
    "handling_costs",
    "margin",
    "cod_collected",
    "cod_outstanding",
]
MONEY_COLUMNS = REPORT_COLUMNS[4:]
# Ledger kind -> report column.
_COLUMN_OF_KIND = {
    LedgerKind.REVENUE: "revenue",
    LedgerKind.REFUND: "refunds",
    LedgerKind.SHIPPING_CHARGED: "shipping_charged",
    LedgerKind.CARRIER_COST: "carrier_costs",
    LedgerKind.PACKAGING_COST: "packaging_costs",
    LedgerKind.HANDLING_COST: "handling_costs",
    LedgerKind.COD_COLLECTED: "cod_collected",
}
TOTAL = "TOTAL"
NOT_SHIPPED = [
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
]
SHIPPED = [
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.POST_DELIVERY,
    OrderStatus.COMPLETED,
]


# The years a report or a ledger filter may cover. Outside them a period means a typo
# (year 20266), and the last days of year 9999 have no "next day" to end at.
REPORT_FIRST_YEAR = 2000
REPORT_LAST_YEAR = 2099


def report_day_check(day: date, *, field: str) -> None:
    """Refuse a day outside the years reports cover (REPORT_FIRST_YEAR to REPORT_LAST_YEAR)."""
    if not REPORT_FIRST_YEAR <= day.year <= REPORT_LAST_YEAR:
        message = _("Must be in a year from %(first)s to %(last)s.") % {
            "first": REPORT_FIRST_YEAR,
            "last": REPORT_LAST_YEAR,
        }
        raise OrderValidationError(message, details={field: [message]})


@dataclass(frozen=True)
class ReportPeriod:
    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, the day after end 00:00) in the business's time zone."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


def _scoped(queryset: QuerySet, storefront: Storefront | None) -> QuerySet:
    return queryset.filter(storefront=storefront) if storefront is not None else queryset


def _empty_row(storefront: str, payment_method: str, currency: str) -> dict[str, Any]:
    return {
        "storefront": storefront,
        "payment_method": payment_method,
        "currency": currency,
        "orders": 0,
        **{column: ZERO for column in MONEY_COLUMNS},
    }


def finance_report_rows(
    period: ReportPeriod, *, storefront: Storefront | None = None
) -> list[dict[str, Any]]:
    """One row per storefront and payment method, then a TOTAL row per currency."""
    start, end = period.bounds
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def row(code: str, method: str, currency: str) -> dict[str, Any]:
        return rows.setdefault((code, method, currency), _empty_row(code, method, currency))

    # A back-order is part of an order already counted (orders.services.backorders).
    placed = (
        _scoped(
            Order.objects.filter(placed_at__gte=start, placed_at__lt=end, backorder_of=None),
            storefront,
        )
        .values_list("storefront__code", "payment_method", "currency")
        .annotate(count=Count("id"))
        .order_by()
    )
    for code, method, currency, count in placed:
        row(code, method, currency)["orders"] = count

    sums = (
        _scoped(LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end), storefront)
        .values_list("storefront__code", "payment_method", "currency", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for code, method, currency, kind, total in sums:
        row(code, method, currency)[_COLUMN_OF_KIND[kind]] = total

    # Earned on delivery and not collected by the end of the period, whenever it was earned.
    outstanding = (
        _scoped(
            LedgerEntry.objects.filter(
                occurred_at__lt=end,
                payment_method=PaymentMethod.CASH_ON_DELIVERY,
                kind__in=[LedgerKind.REVENUE, LedgerKind.COD_COLLECTED],
            ),
            storefront,
        )
        .values_list("storefront__code", "currency")
        .annotate(
            earned=Sum("amount", filter=Q(kind=LedgerKind.REVENUE)),
            collected=Sum("amount", filter=Q(kind=LedgerKind.COD_COLLECTED)),
        )
        .order_by()
    )
    for code, currency, earned, collected in outstanding:
        owed = (earned or ZERO) - (collected or ZERO)
        if owed:
            row(code, PaymentMethod.CASH_ON_DELIVERY, currency)["cod_outstanding"] = owed

    ordered = [rows[key] for key in sorted(rows)]
    for item in ordered:
        item["margin"] = _margin(item)
    return ordered + _totals(ordered)


def _margin(row: dict[str, Any]) -> Decimal:
    return (
        row["revenue"]
        - row["refunds"]
        - row["carrier_costs"]
        - row["packaging_costs"]
        - row["handling_costs"]
    )


def _totals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A TOTAL row per currency: amounts in different currencies are never added up."""
    totals: dict[str, dict[str, Any]] = {}
    for item in rows:
        total = totals.setdefault(item["currency"], _empty_row(TOTAL, "", item["currency"]))
        total["orders"] += item["orders"]
        for column in MONEY_COLUMNS:
            total[column] += item[column]
    return [totals[currency] for currency in sorted(totals)]


def finance_report_by_region(
    period: ReportPeriod, *, storefront: Storefront | None = None
) -> list[dict[str, Any]]:
    """Revenue, refunds, costs and margin per region and currency ("" for no region)."""
    start, end = period.bounds
    sums = (
        _scoped(LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end), storefront)
        .values_list("region__name", "currency", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    rows: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for region, currency, kind, total in sums:
        item = rows[(region or "", currency)]
        if not item:
            item.update(
                {"region": region or "", "currency": currency}
                | {column: ZERO for column in MONEY_COLUMNS}
            )
        item[_COLUMN_OF_KIND[kind]] = total
    result = [rows[key] for key in sorted(rows)]
    for item in result:
        item["margin"] = _margin(item)
        # The HTML summary shows one costs column (the template's `add` filter truncates Decimals).
        item["costs"] = item["carrier_costs"] + item["packaging_costs"] + item["handling_costs"]
    return result


def orders_paid_not_shipped(*, storefront: Storefront | None = None) -> QuerySet[Order]:
    """Orders we hold money for and have not shipped yet (as the report runs)."""
    return _scoped(
        Order.objects.filter(
            payment_status__in=[PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED],
        ).filter(
            Q(status__in=NOT_SHIPPED) | Q(status=OrderStatus.ON_HOLD, shipped_at__isnull=True)
        ),
        storefront,
    )


def orders_shipped_not_paid(*, storefront: Storefront | None = None) -> QuerySet[Order]:
    """Orders that left the warehouse while their money has not come in (as the report runs)."""
    return _scoped(
        Order.objects.filter(
            Q(status__in=SHIPPED) | Q(status=OrderStatus.ON_HOLD, shipped_at__isnull=False),
            payment_status__in=[PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED],
        ),
        storefront,
    )


def open_money_summary(*, storefront: Storefront | None = None) -> list[dict[str, Any]]:
    """Counts and amounts of paid-not-shipped and shipped-not-paid, per storefront and currency."""
    result = []
    for label, queryset in [
        ("paid_not_shipped", orders_paid_not_shipped(storefront=storefront)),
        ("shipped_not_paid", orders_shipped_not_paid(storefront=storefront)),
    ]:
        for code, currency, count, amount in (
            queryset.values_list("storefront__code", "currency")
            .annotate(count=Count("id"), amount=Sum("total"))
            .order_by("storefront__code", "currency")
        ):
            result.append(
                {
                    "what": label,
                    "storefront": code,
                    "currency": currency,
                    "orders": count,
                    "amount": amount,
                }
            )
    return result


# -- the ledger and the rates, as the finance pages list them -------------------------


def ledger_entry_list(
    *,
    storefront: Storefront | None = None,
    kind: str = "",
    start: date | None = None,
    end: date | None = None,
    order_number: str = "",
) -> QuerySet[LedgerEntry]:
    """Return ledger entries, newest first, filtered; `start`..`end` are whole local days."""
    entries = LedgerEntry.objects.select_related("storefront", "order", "created_by").order_by(
        "-occurred_at", "-id"
    )
    if storefront is not None:
        entries = entries.filter(storefront=storefront)
    if kind:
        entries = entries.filter(kind=kind)
    zone = ZoneInfo(settings.TIME_ZONE)
    if start is not None:
        entries = entries.filter(occurred_at__gte=datetime.combine(start, time.min, zone))
    if end is not None:
        entries = entries.filter(
            occurred_at__lt=datetime.combine(end + timedelta(days=1), time.min, zone)
        )
    if order_number:
        # Numbers are upper case (OR...); people type them any way.
        entries = entries.filter(order__number=order_number.strip().upper())
    return entries


def cost_rates_list() -> list[tuple[Storefront, StorefrontCostRates | None]]:
    """Return every storefront with its cost rates (None where none are set), by name."""
    storefronts = Storefront.objects.select_related("cost_rates").order_by("name", "pk")
    return [(storefront, getattr(storefront, "cost_rates", None)) for storefront in storefronts]


def carrier_rate_list() -> QuerySet[CarrierRate]:
    """Return every carrier rate with its storefront and carrier, by storefront then carrier."""
    return CarrierRate.objects.select_related("storefront", "carrier").order_by(
        "storefront__name", "carrier__name", "pk"
    )
