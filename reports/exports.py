"""The finance report as files: CSV (the contract of DESIGN.md), XLSX and an HTML summary."""

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from orders.models import Storefront

from .models import LedgerEntry, LedgerKind
from .selectors import (
    MONEY_COLUMNS,
    REPORT_COLUMNS,
    ReportPeriod,
    finance_report_by_region,
    finance_report_rows,
    open_money_summary,
)

ORDER_DETAIL_COLUMNS = [
    "order",
    "storefront",
    "payment_method",
    "currency",
    "revenue",
    "refunds",
    "shipping_charged",
    "carrier_costs",
    "packaging_costs",
    "handling_costs",
    "cod_collected",
]
_DETAIL_SUMS = {
    "revenue": LedgerKind.REVENUE,
    "refunds": LedgerKind.REFUND,
    "shipping_charged": LedgerKind.SHIPPING_CHARGED,
    "carrier_costs": LedgerKind.CARRIER_COST,
    "packaging_costs": LedgerKind.PACKAGING_COST,
    "handling_costs": LedgerKind.HANDLING_COST,
    "cod_collected": LedgerKind.COD_COLLECTED,
}


@dataclass
class FinanceReport:
    period: ReportPeriod
    storefront: Storefront | None
    rows: list[dict[str, Any]]
    regions: list[dict[str, Any]]
    open_money: list[dict[str, Any]]
    generated_at: Any


def finance_report_build(
    period: ReportPeriod, *, storefront: Storefront | None = None
) -> FinanceReport:
    """Every aggregate of the report (a handful of queries, whatever the number of orders)."""
    return FinanceReport(
        period=period,
        storefront=storefront,
        rows=finance_report_rows(period, storefront=storefront),
        regions=finance_report_by_region(period, storefront=storefront),
        open_money=open_money_summary(storefront=storefront),
        generated_at=timezone.now(),
    )


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def report_csv(report: FinanceReport) -> bytes:
    """The contract's CSV: a header row, a row per storefront and payment method, TOTAL rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for row in report.rows:
        writer.writerow([_money(row[c]) if c in MONEY_COLUMNS else row[c] for c in REPORT_COLUMNS])
    return buffer.getvalue().encode()


def order_detail_rows(report: FinanceReport) -> Iterator[list[Any]]:
    """Per order, the ledger sums in the period: what finance reconciles against."""
    start, end = report.period.bounds
    entries = LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if report.storefront is not None:
        entries = entries.filter(storefront=report.storefront)
    sums = (
        entries.values_list("order__number", "storefront__code", "payment_method", "currency")
        .annotate(
            **{column: Sum("amount", filter=Q(kind=kind)) for column, kind in _DETAIL_SUMS.items()}
        )
        .order_by("storefront__code", "order__number")
    )
    for number, code, method, currency, *amounts in sums.iterator(chunk_size=5000):
        yield [number, code, method, currency, *[float(a or 0) for a in amounts]]


def order_detail_count(report: FinanceReport) -> int:
    start, end = report.period.bounds
    entries = LedgerEntry.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if report.storefront is not None:
        entries = entries.filter(storefront=report.storefront)
    return entries.values("order_id").distinct().count()


def report_xlsx(
    report: FinanceReport, *, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """A workbook: the summary, by region, open money, and one row per order of the period."""
    workbook = Workbook(write_only=True)

    def sheet(title: str, header: list[str], rows: Iterator[list[Any]]) -> None:
        worksheet = workbook.create_sheet(title)
        worksheet.append([_bold(worksheet, name) for name in header])
        for row in rows:
            worksheet.append(row)

    def number(row: dict[str, Any], column: str) -> Any:
        value = row.get(column, 0)
        return float(value or 0) if column in MONEY_COLUMNS else value

    sheet("Summary", REPORT_COLUMNS, ([number(r, c) for c in REPORT_COLUMNS] for r in report.rows))
    region_columns = ["region", "currency", *MONEY_COLUMNS]
    sheet(
        "By region",
        region_columns,
        ([number(r, c) for c in region_columns] for r in report.regions),
    )
    sheet(
        "Open money",
        ["what", "storefront", "currency", "orders", "amount"],
        (
            [r["what"], r["storefront"], r["currency"], r["orders"], float(r["amount"] or 0)]
            for r in report.open_money
        ),
    )
    total = order_detail_count(report)

    def detail() -> Iterator[list[Any]]:
        for index, row in enumerate(order_detail_rows(report), start=1):
            if progress is not None and index % 5000 == 0:
                progress(index, total)
            yield row

    sheet("Orders", ORDER_DETAIL_COLUMNS, detail())
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(worksheet: Any, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=value)
    cell.font = Font(bold=True)
    return cell


def report_html(report: FinanceReport) -> str:
    """A readable summary (also the body of the e-mail)."""
    return render_to_string(
        "reports/finance_report.html",
        {
            "report": report,
            "columns": REPORT_COLUMNS,
            "money_columns": MONEY_COLUMNS,
        },
    )
