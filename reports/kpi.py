"""Reads behind the managers' KPI page (`/dashboard/kpi/`): five charts and their tables.

Every selector is a pure read that takes `now`, so a test can pin the clock,
and costs a fixed number of queries however many orders there are (one each,
two for the money chart). Days and weeks are the business's own, in
`TIME_ZONE`; weeks start on Monday.

Time in stage is a stay from a status change into the stage to the order's
next status change, as in the dashboard overview. Its median and 90th
percentile are computed by PostgreSQL (`percentile_cont`); SQLite has no such
aggregate, so there the durations are read and the same interpolation is done
in Python. Both paths return the same shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Case,
    Count,
    DurationField,
    F,
    Func,
    Q,
    Sum,
    TextField,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from orders.models import Order, OrderEvent, OrderEventType, OrderStatus
from orders.planning import SLA_STAGES, orders_overdue_q
from orders.selectors import order_stage_stays

from .models import LedgerEntry, LedgerKind

User = AbstractBaseUser | AnonymousUser

ORDERS_PER_DAY_DAYS = 30
STAGE_TIME_DAYS = 30
ON_TIME_WEEKS = 8
MONEY_WEEKS = 12
# The backlog chart: the queue waiting for confirmation, then the stages with a service level.
BACKLOG_STAGES: list[str] = [OrderStatus.RECEIVED, *SLA_STAGES]
COST_KINDS = [LedgerKind.CARRIER_COST, LedgerKind.PACKAGING_COST, LedgerKind.HANDLING_COST]
CENT = Decimal("0.01")


def user_may_see_kpis(user: User) -> bool:
    """The KPI page is for managers and finance."""
    return user.has_perm("orders.work_any_team_order") or user.has_perm("reports.view_ledgerentry")


# -- calendar helpers -----------------------------------------------------------------


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _local_date(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    return moment


def _last_weeks(now: datetime, weeks: int) -> list[date]:
    """Mondays of the last `weeks` weeks, the current one last."""
    today = timezone.localtime(now).date()
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _status_labels() -> dict[str, str]:
    return {value: str(label) for value, label in OrderStatus.choices}


# -- 1. orders placed per day, by current status --------------------------------------


@dataclass(frozen=True)
class StatusSeries:
    status: str
    label: str
    counts: list[int]


@dataclass(frozen=True)
class OrdersPerDay:
    days: list[date]
    # Only the statuses that occur, in lifecycle order.
    series: list[StatusSeries]

    @property
    def totals(self) -> list[int]:
        return [sum(column) for column in zip(*(s.counts for s in self.series), strict=True)] or [
            0 for _ in self.days
        ]

    @property
    def rows(self) -> list[tuple[date, list[int], int]]:
        """(day, count per series, total) for the data table."""
        return [
            (day, [s.counts[index] for s in self.series], self.totals[index])
            for index, day in enumerate(self.days)
        ]


def kpi_orders_per_day(*, now: datetime, days: int = ORDERS_PER_DAY_DAYS) -> OrdersPerDay:
    """Return orders placed on each of the last `days` days (today included), by current status."""
    today = timezone.localtime(now).date()
    day_list = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    rows = (
        Order.objects.filter(placed_at__gte=_local_midnight(day_list[0]), placed_at__lte=now)
        # A back-order is part of an order placed once (orders.services.backorders).
        .filter(backorder_of=None)
        .annotate(day=TruncDate("placed_at"))
        .order_by()
        .values_list("day", "status")
        .annotate(count=Count("id"))
    )
    counts: dict[tuple[date, str], int] = {(day, status): count for day, status, count in rows}
    present = {status for _day, status in counts}
    labels = _status_labels()
    series = [
        StatusSeries(
            status=status,
            label=labels[status],
            counts=[counts.get((day, status), 0) for day in day_list],
        )
        for status in OrderStatus.values
        if status in present
    ]
    return OrdersPerDay(days=day_list, series=series)


# -- 2. time spent in each stage ------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, *, fraction: float, **extra: Any) -> None:
        fraction = float(fraction)  # only ever a number goes into the SQL
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction lies between 0 and 1.")
        super().__init__(expression, fraction=repr(fraction), **extra)


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """Return the `fraction` percentile with linear interpolation, as `percentile_cont` does."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class StageTime:
    status: str
    label: str
    median_hours: float | None
    p90_hours: float | None
    count: int


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def kpi_stage_times(
    *, now: datetime, days: int = STAGE_TIME_DAYS, in_database: bool | None = None
) -> list[StageTime]:
    """Return the median and 90th percentile hours of each SLA stage's finished stays; one query.

    `in_database` picks the path: PostgreSQL's `percentile_cont` (the default
    there) or Python over the durations (the default elsewhere).
    """
    if in_database is None:
        in_database = connection.vendor == "postgresql"
    stays = order_stage_stays(now=now, days=days, stages=SLA_STAGES)
    figures: dict[str, tuple[float | None, float | None, int]] = {}
    if in_database:
        rows = stays.values("to_status").annotate(
            median=PercentileCont("stay", fraction=0.5, output_field=DurationField()),
            p90=PercentileCont("stay", fraction=0.9, output_field=DurationField()),
            count=Count("id"),
        )
        for row in rows:
            figures[row["to_status"]] = (
                row["median"].total_seconds(),
                row["p90"].total_seconds(),
                row["count"],
            )
    else:
        durations: dict[str, list[float]] = {}
        for status, stay in stays.values_list("to_status", "stay"):
            durations.setdefault(status, []).append(stay.total_seconds())
        for status, seconds in durations.items():
            figures[status] = (
                percentile_cont(seconds, 0.5),
                percentile_cont(seconds, 0.9),
                len(seconds),
            )
    labels = _status_labels()
    return [
        StageTime(
            status=stage,
            label=labels[stage],
            median_hours=_hours(figures.get(stage, (None, None, 0))[0]),
            p90_hours=_hours(figures.get(stage, (None, None, 0))[1]),
            count=figures.get(stage, (None, None, 0))[2],
        )
        for stage in SLA_STAGES
    ]


# -- 3. on-time rate against the service levels ---------------------------------------


class AtOrBefore(Func):
    """`moment <= due`, where `due` is an ISO 8601 text such as Order.stage_deadlines holds."""

    arity = 2
    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        moment, due = self.get_source_expressions()
        moment_sql, moment_params = compiler.compile(moment)
        due_sql, due_params = compiler.compile(due)
        # The text carries its offset ("...+00:00"): both databases read it as an instant.
        if connection.vendor == "sqlite":
            sql = f"(julianday({moment_sql}) <= julianday({due_sql}))"
        else:
            sql = f"({moment_sql} <= CAST({due_sql} AS timestamp with time zone))"
        return sql, (*moment_params, *due_params)


@dataclass(frozen=True)
class OnTimeSeries:
    status: str
    label: str
    exits: list[int]
    on_time: list[int]

    @property
    def rates(self) -> list[float | None]:
        """Percent on time per week, None for a week without exits."""
        return [
            round(100 * on_time / exits, 1) if exits else None
            for on_time, exits in zip(self.on_time, self.exits, strict=True)
        ]

    @property
    def cells(self) -> list[tuple[float | None, int, int]]:
        """(rate, on time, exits) per week for the data table."""
        return list(zip(self.rates, self.on_time, self.exits, strict=True))


@dataclass(frozen=True)
class OnTimeRate:
    weeks: list[date]
    series: list[OnTimeSeries]


def kpi_on_time_rate(*, now: datetime, weeks: int = ON_TIME_WEEKS) -> OnTimeRate:
    """Return, per SLA stage and week, how many exits from the stage met its due time; one query.

    An exit is a status change leaving the stage; it is on time at or before the
    order's `stage_deadlines[stage]`. Exits of orders without a due time for the
    stage cannot be judged and are left out.
    """
    week_list = _last_weeks(now, weeks)
    due_text = Case(
        *[
            When(from_status=stage, then=KeyTextTransform(stage, "order__stage_deadlines"))
            for stage in SLA_STAGES
        ],
        output_field=TextField(),
    )
    rows = (
        OrderEvent.objects.filter(
            event_type=OrderEventType.STATUS_CHANGED,
            from_status__in=SLA_STAGES,
            created_at__gte=_local_midnight(week_list[0]),
            created_at__lte=now,
        )
        .annotate(due_text=due_text)
        .filter(due_text__isnull=False)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values_list("from_status", "week")
        .annotate(
            exits=Count("id"),
            on_time=Count("id", filter=Q(AtOrBefore(F("created_at"), F("due_text")))),
        )
    )
    figures = {
        (status, _local_date(week)): (exits, on_time) for status, week, exits, on_time in rows
    }
    labels = _status_labels()
    return OnTimeRate(
        weeks=week_list,
        series=[
            OnTimeSeries(
                status=stage,
                label=labels[stage],
                exits=[figures.get((stage, week), (0, 0))[0] for week in week_list],
                on_time=[figures.get((stage, week), (0, 0))[1] for week in week_list],
            )
            for stage in SLA_STAGES
        ],
    )


# -- 4. backlog per stage -------------------------------------------------------------


@dataclass(frozen=True)
class BacklogStage:
    status: str
    label: str
    total: int
    overdue: int

    @property
    def within_time(self) -> int:
        return self.total - self.overdue


def kpi_backlog(*, now: datetime) -> list[BacklogStage]:
    """Return the orders in each backlog stage now and how many of them are overdue; one query."""
    rows = (
        Order.objects.filter(status__in=BACKLOG_STAGES)
        .order_by()
        .values_list("status")
        .annotate(total=Count("id"), overdue=Count("id", filter=orders_overdue_q(now)))
    )
    figures = {status: (total, overdue) for status, total, overdue in rows}
    labels = _status_labels()
    return [
        BacklogStage(
            status=stage,
            label=labels[stage],
            total=figures.get(stage, (0, 0))[0],
            overdue=figures.get(stage, (0, 0))[1],
        )
        for stage in BACKLOG_STAGES
    ]


# -- 5. revenue against costs per week ------------------------------------------------


@dataclass(frozen=True)
class MoneyWeek:
    week: date
    revenue: Decimal
    refunds: Decimal
    costs: Decimal

    @property
    def net_revenue(self) -> Decimal:
        """Revenue minus refunds."""
        return self.revenue - self.refunds

    @property
    def margin(self) -> Decimal:
        return self.net_revenue - self.costs


@dataclass(frozen=True)
class CurrencyChoice:
    code: str
    entries: int


@dataclass(frozen=True)
class RevenueAgainstCosts:
    # None when there is no ledger entry in the period.
    currency: str | None
    # Every currency with entries in the period, most entries first.
    currencies: list[CurrencyChoice]
    weeks: list[MoneyWeek]


def _money(amount: Decimal | None) -> Decimal:
    """A sum as money with two places (SQLite hands sums back without fixed places)."""
    return (amount or Decimal(0)).quantize(CENT)


def kpi_revenue_against_costs(
    *, now: datetime, currency: str | None = None, weeks: int = MONEY_WEEKS
) -> RevenueAgainstCosts:
    """Return revenue minus refunds, and costs, per week in one currency; two queries.

    `currency` is kept if the period has entries in it; otherwise the currency
    with the most entries is shown.
    """
    week_list = _last_weeks(now, weeks)
    entries = LedgerEntry.objects.filter(
        occurred_at__gte=_local_midnight(week_list[0]), occurred_at__lte=now
    ).order_by()
    currencies = [
        CurrencyChoice(code=code, entries=count)
        for code, count in entries.values_list("currency")
        .annotate(count=Count("id"))
        .order_by("-count", "currency")
    ]
    codes = [choice.code for choice in currencies]
    chosen = currency if currency in codes else (codes[0] if codes else None)
    sums: dict[date, dict[str, Decimal | None]] = {}
    if chosen is not None:
        rows = (
            entries.filter(currency=chosen)
            .annotate(week=TruncWeek("occurred_at"))
            .values("week")
            .annotate(
                revenue=Sum("amount", filter=Q(kind=LedgerKind.REVENUE)),
                refunds=Sum("amount", filter=Q(kind=LedgerKind.REFUND)),
                costs=Sum("amount", filter=Q(kind__in=COST_KINDS)),
            )
        )
        sums = {_local_date(row.pop("week")): row for row in rows}
    return RevenueAgainstCosts(
        currency=chosen,
        currencies=currencies,
        weeks=[
            MoneyWeek(
                week=week,
                revenue=_money(sums.get(week, {}).get("revenue")),
                refunds=_money(sums.get(week, {}).get("refunds")),
                costs=_money(sums.get(week, {}).get("costs")),
            )
            for week in week_list
        ],
    )


# -- the page -------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiPage:
    orders_per_day: OrdersPerDay
    stage_times: list[StageTime]
    on_time: OnTimeRate
    backlog: list[BacklogStage]
    money: RevenueAgainstCosts


def kpi_page(*, now: datetime | None = None, currency: str | None = None) -> KpiPage:
    """Return every figure the KPI page shows; a fixed number of queries (six)."""
    now = now or timezone.now()
    return KpiPage(
        orders_per_day=kpi_orders_per_day(now=now),
        stage_times=kpi_stage_times(now=now),
        on_time=kpi_on_time_rate(now=now),
        backlog=kpi_backlog(now=now),
        money=kpi_revenue_against_costs(now=now, currency=currency),
    )


def _day_label(day: date) -> str:
    return formats.date_format(day, "j M")


def kpi_chart_data(page: KpiPage) -> dict[str, dict[str, Any]]:
    """Return what `static/reports/kpi.js` draws, per chart: labels, series and axis titles.

    Plain JSON types only (money as strings, to keep its exact value); the
    template passes each part through `json_script`.
    """
    money = page.money
    return {
        "orders_per_day": {
            "labels": [_day_label(day) for day in page.orders_per_day.days],
            "axis": _("Orders"),
            "datasets": [
                {"key": s.status, "label": s.label, "data": s.counts}
                for s in page.orders_per_day.series
            ],
        },
        "stage_times": {
            "labels": [row.label for row in page.stage_times],
            "axis": _("Hours"),
            "datasets": [
                {
                    "key": "median",
                    "label": _("Median"),
                    "data": [row.median_hours for row in page.stage_times],
                },
                {
                    "key": "p90",
                    "label": _("90th percentile"),
                    "data": [row.p90_hours for row in page.stage_times],
                },
            ],
        },
        "on_time": {
            "labels": [_("Week of %(day)s") % {"day": _day_label(w)} for w in page.on_time.weeks],
            "axis": _("On time (%)"),
            "datasets": [
                {"key": s.status, "label": s.label, "data": s.rates} for s in page.on_time.series
            ],
        },
        "backlog": {
            "labels": [row.label for row in page.backlog],
            "axis": _("Orders"),
            "datasets": [
                {
                    "key": "within_time",
                    "label": _("Within time"),
                    "data": [row.within_time for row in page.backlog],
                },
                {
                    "key": "overdue",
                    "label": _("Overdue"),
                    "data": [row.overdue for row in page.backlog],
                },
            ],
        },
        "money": {
            "labels": [_("Week of %(day)s") % {"day": _day_label(w.week)} for w in money.weeks],
            "axis": money.currency or "",
            "datasets": [
                {
                    "key": "net_revenue",
                    "label": _("Revenue minus refunds"),
                    "data": [str(w.net_revenue) for w in money.weeks],
                },
                {
                    "key": "costs",
                    "label": _("Costs"),
                    "data": [str(w.costs) for w in money.weeks],
                },
            ],
        },
    }
