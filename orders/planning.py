"""Planning an order: which team works it and by when each stage is due.

`order_transition` calls `order_plan_on_transition` inside its transaction, so
routing and due times change together with the status, under the row lock.

- `confirm` routes the order to a team by its storefront's management mode and
  sets a due time per stage from the service level for its priority, counting
  business hours only (working days and hours, minus holidays). The shipping
  stage's due time is the promised delivery date.
- Every status change starts the stage's clock: `stage_started_at`,
  `stage_due_at` and `stage_at_risk_at` (when most of the stage's time is used),
  which the board and the service-level watch read.
- A received order's clock starts when it is created (`confirmation_clock`):
  it is due to be confirmed within its storefront's `confirm_within_hours`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic as time_monotonic
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import (
    Department,
    Holiday,
    ManagementMode,
    Order,
    OrderStatus,
    ProductCategory,
    Region,
    ServiceLevel,
    SlaAlert,
    SlaAlertKind,
    Storefront,
    Team,
)

# The stages with a target time, in order; "shipped" is the carrier's stage.
SLA_STAGES = [
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
]
# Stages with a clock: received (until someone confirms it) and the planned stages.
CLOCKED_STAGES = [OrderStatus.RECEIVED, *SLA_STAGES]
STAGE_HOURS_FIELDS = {
    OrderStatus.PROCESSING: "processing_hours",
    OrderStatus.PICKING: "picking_hours",
    OrderStatus.PACKING: "packing_hours",
    OrderStatus.READY_TO_SHIP: "ready_to_ship_hours",
    OrderStatus.SHIPPED: "shipping_hours",
}
# Used for a storefront and priority without a service level of its own.
DEFAULT_SERVICE_LEVEL = ServiceLevel(
    processing_hours=Decimal(4),
    picking_hours=Decimal(4),
    packing_hours=Decimal(4),
    ready_to_ship_hours=Decimal(8),
    shipping_hours=Decimal(27),
    shipping_hours_abroad=Decimal(90),
)


# -- business hours -------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours in the business's time zone, minus holidays."""

    time_zone: ZoneInfo
    day_start: time
    day_end: time
    workdays: frozenset[int]
    holidays: frozenset[date]

    @classmethod
    def load(cls) -> BusinessCalendar:
        return cls(
            time_zone=ZoneInfo(settings.TIME_ZONE),
            day_start=time(settings.BUSINESS_DAY_START_HOUR),
            day_end=time(settings.BUSINESS_DAY_END_HOUR),
            workdays=frozenset(settings.BUSINESS_WEEKDAYS),
            holidays=frozenset(Holiday.objects.values_list("date", flat=True)),
        )

    @classmethod
    def load_cached(cls) -> BusinessCalendar:
        """The calendar, with holidays read at most once a minute per process.

        For order creation, which must not pay a query for a clock that a holiday
        rarely moves; a holiday saved in this process is seen at once, one saved
        elsewhere within a minute.
        """
        moment = time_monotonic()
        cached = _CALENDAR_CACHE.get("calendar")
        if cached is None or moment - cached[0] > _CALENDAR_CACHE_SECONDS:
            cached = (moment, cls.load())
            _CALENDAR_CACHE["calendar"] = cached
        return cached[1]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def add_hours(self, start: datetime, hours: Decimal | float) -> datetime:
        """The moment `hours` business hours after `start` (aware; returned in UTC)."""
        remaining = timedelta(hours=float(hours))
        moment = start.astimezone(self.time_zone)
        for _day in range(3660):  # ten years of days: a misconfigured calendar cannot hang
            day = moment.date()
            opens = datetime.combine(day, self.day_start, self.time_zone)
            closes = datetime.combine(day, self.day_end, self.time_zone)
            if self.is_working_day(day) and moment < closes:
                moment = max(moment, opens)
                if moment + remaining <= closes:
                    return (moment + remaining).astimezone(ZoneInfo("UTC"))
                remaining -= closes - moment
            moment = datetime.combine(day + timedelta(days=1), self.day_start, self.time_zone)
        raise ValueError("The business calendar has no working hours.")


_CALENDAR_CACHE: dict[str, tuple[float, BusinessCalendar]] = {}
_CALENDAR_CACHE_SECONDS = 60


def calendar_cache_clear() -> None:
    """Read the holidays again on the next order creation."""
    _CALENDAR_CACHE.clear()


@receiver(post_save, sender=Holiday)
@receiver(post_delete, sender=Holiday)
def _calendar_forget(**kwargs: Any) -> None:
    calendar_cache_clear()


# -- routing --------------------------------------------------------------------------


def order_route(order: Order) -> Team | None:
    """The team that should work `order`, by its storefront's management mode."""
    storefront = order.storefront
    mode = storefront.management_mode
    team = None
    if mode == ManagementMode.BY_GOODS:
        team = _team_for_goods(order)
    elif mode == ManagementMode.DIRECT:
        team = order.customer.account_team
    elif mode == ManagementMode.GEOGRAPHIC:
        team = _team_for_address(order)
    elif mode == ManagementMode.BY_FUNCTION:
        team = team_for_stage(order.status)
    if team is not None and team.is_active:
        return team
    default = storefront.default_team
    return default if default is not None and default.is_active else None


def _team_for_goods(order: Order) -> Team | None:
    """The team owning the category with the largest share of the order's value."""
    value_by_category: dict[str, Decimal] = {}
    for line in order.lines.all():
        key = (line.category or "").strip().lower()
        if key:
            value_by_category[key] = value_by_category.get(key, Decimal(0)) + line.line_total
    if not value_by_category:
        return None
    owned = {
        category.name.lower(): category.team
        for category in ProductCategory.objects.select_related("team").filter(team__is_active=True)
    }
    ranked = sorted(value_by_category.items(), key=lambda item: (-item[1], item[0]))
    return next((owned[name] for name, _ in ranked if name in owned), None)


def _team_for_address(order: Order) -> Team | None:
    region = region_for_address(order.shipping_address, active_teams_only=True)
    return region.team if region else None


def region_for_address(address: Any, *, active_teams_only: bool = False) -> Region | None:
    """The region matching the address's country with the longest postal-code prefix.

    A region without prefixes covers its whole country and loses to any that
    matches a prefix.
    """
    postal_code = address.postal_code.replace(" ", "").upper()
    regions = Region.objects.select_related("team").filter(country__iexact=address.country)
    if active_teams_only:
        regions = regions.filter(team__is_active=True)
    best: tuple[int, Region] | None = None
    for region in regions:
        prefixes = region.prefixes
        matched = (
            0
            if not prefixes
            else max(
                (len(prefix) for prefix in prefixes if postal_code.startswith(prefix)), default=-1
            )
        )
        if matched >= 0 and (best is None or matched > best[0]):
            best = (matched, region)
    return best[1] if best else None


def team_for_stage(status: str) -> Team | None:
    """For work organised by function: the first active team of the department owning `status`."""
    team_id = team_id_for_stage(status)
    return Team.objects.get(pk=team_id) if team_id is not None else None


TeamStages = list[tuple[int, list[str]]]


def team_id_for_stage(status: str, teams: TeamStages | None = None) -> int | None:
    """The id of `team_for_stage(status)`: what a transition needs.

    `teams` is `active_teams_stages()`, when the caller read it already (a
    transition reads it with the order's row; see ACTIVE_TEAMS_STAGES_SQL).
    """
    for pk, stages in active_teams_stages() if teams is None else teams:
        if status in (stages or []):
            return pk
    return None


def active_teams_stages() -> TeamStages:
    """(team id, its department's stages) of every active team, first owner first.

    The same rows and order as
    Team.objects.filter(is_active=True).order_by("department__name", "name", "id"),
    as SQL: every transition of a storefront organised by function reads it, and
    compiling the ORM query took longer than running it.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT team.id, department.stages FROM {_TEAMS_AND_DEPARTMENTS} "  # noqa: S608 - the models' own tables
            f"WHERE team.is_active ORDER BY {_TEAM_ORDER}"
        )
        # JSON comes back as text (Django decodes it in the field, not the driver).
        return [
            (pk, json.loads(stages) if isinstance(stages, str | bytes) else stages)
            for pk, stages in cursor.fetchall()
        ]


_TEAMS_AND_DEPARTMENTS = (
    f"{Team._meta.db_table} team JOIN {Department._meta.db_table} department "
    "ON department.id = team.department_id"
)
_TEAM_ORDER = "department.name, team.name, team.id"
# active_teams_stages() as one JSON text value, for PostgreSQL to answer inside another
# statement: [[team id, [stage, ...]], ...].
ACTIVE_TEAMS_STAGES_SQL = (
    "(SELECT COALESCE(json_agg(json_build_array(team.id, department.stages) "  # noqa: S608 - the models' own tables
    f"ORDER BY {_TEAM_ORDER}), '[]')::text FROM {_TEAMS_AND_DEPARTMENTS} WHERE team.is_active)"
)


def active_teams_stages_parse(text: str) -> TeamStages:
    """active_teams_stages() from the JSON text of ACTIVE_TEAMS_STAGES_SQL."""
    return [(pk, stages) for pk, stages in json.loads(text)]


# -- due times ------------------------------------------------------------------------


def service_level_for(order: Order) -> ServiceLevel:
    level = ServiceLevel.objects.filter(
        storefront_id=order.storefront_id, priority=order.priority
    ).first()
    return level or DEFAULT_SERVICE_LEVEL


def order_schedule(
    order: Order, *, start: datetime, calendar: BusinessCalendar | None = None
) -> dict[str, datetime]:
    """Due time of each stage, one after another from `start`, in business hours."""
    calendar = calendar or BusinessCalendar.load()
    level = service_level_for(order)
    abroad = order.shipping_address.country.upper() != order.storefront.ships_from_country.upper()
    deadlines: dict[str, datetime] = {}
    moment = start
    for stage in SLA_STAGES:
        hours = getattr(level, STAGE_HOURS_FIELDS[stage])
        if stage == OrderStatus.SHIPPED and abroad:
            hours = level.shipping_hours_abroad
        moment = calendar.add_hours(moment, hours)
        deadlines[stage] = moment
    return deadlines


def confirmation_clock(*, storefront: Storefront, start: datetime) -> dict[str, Any]:
    """The clock fields of a new order: due to be confirmed within the storefront's target.

    Returned as Order field values, so creation writes them with the order's row.
    """
    due_at = BusinessCalendar.load_cached().add_hours(start, storefront.confirm_within_hours)
    return {
        "stage_deadlines": {OrderStatus.RECEIVED.value: due_at.isoformat()},
        "stage_started_at": start,
        "stage_due_at": due_at,
        "stage_at_risk_at": _at_risk_at(start, due_at),
    }


def order_plan_on_transition(
    order: Order, *, previous_status: str, transition: str, teams: TeamStages | None = None
) -> None:
    """Route and schedule `order` after a transition (in memory; the caller saves).

    `teams`: `active_teams_stages()` if the caller has read it already.
    """
    now = timezone.now()
    if transition == "confirm":
        order.team = order_route(order)
        _deadlines_set(order, start=order.confirmed_at or now)
    elif (
        order.status != previous_status
        and order.status in SLA_STAGES
        and order.storefront.management_mode == ManagementMode.BY_FUNCTION
    ):
        order.team_id = team_id_for_stage(order.status, teams) or order.team_id
    if order.status != previous_status:
        _stage_clock_start(order, started_at=now)


def order_plan_confirmed(order: Order, *, start: datetime) -> None:
    """Give an order that starts life confirmed (a back-order) its due times and stage clock.

    In memory; the caller saves. As `confirm` plans an order, from `start`,
    but the team stays the one the caller gave it (a back-order keeps its
    original's team rather than being routed again).
    """
    _deadlines_set(order, start=start)
    _stage_clock_start(order, started_at=start)


def order_replan(order: Order, *, stage_started_at: datetime) -> None:
    """Recompute due times from `confirmed_at`, the stage's clock from `stage_started_at`.

    For orders whose history was written after the fact (imports, demo data).
    The confirmation's due time counts from `placed_at`.
    """
    clock = confirmation_clock(storefront=order.storefront, start=order.placed_at)
    order.stage_deadlines = clock["stage_deadlines"]
    if order.confirmed_at is None:
        if order.status == OrderStatus.RECEIVED:
            order.stage_started_at = clock["stage_started_at"]
            order.stage_due_at = clock["stage_due_at"]
            order.stage_at_risk_at = clock["stage_at_risk_at"]
        return
    _deadlines_set(order, start=order.confirmed_at)
    _stage_clock_start(order, started_at=stage_started_at)


def _deadlines_set(order: Order, *, start: datetime) -> None:
    deadlines = order_schedule(order, start=start)
    # The confirmation's due time stays: the KPI and the order page read it later.
    confirm_due = (order.stage_deadlines or {}).get(OrderStatus.RECEIVED)
    order.stage_deadlines = {
        **({OrderStatus.RECEIVED.value: confirm_due} if confirm_due else {}),
        **{stage: due.isoformat() for stage, due in deadlines.items()},
    }
    order.promised_delivery_date = (
        deadlines[OrderStatus.SHIPPED].astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    )


def _stage_clock_start(order: Order, *, started_at: datetime) -> None:
    """Start the current stage's clock: due time, and when it is at risk (most time used)."""
    due = order.stage_deadlines.get(order.status) if order.status in CLOCKED_STAGES else None
    if due is None:
        order.stage_started_at = order.stage_due_at = order.stage_at_risk_at = None
        return
    due_at = datetime.fromisoformat(due)
    order.stage_started_at = started_at
    order.stage_due_at = due_at
    order.stage_at_risk_at = _at_risk_at(started_at, due_at)


def _at_risk_at(started_at: datetime, due_at: datetime) -> datetime:
    share = float(settings.SLA_AT_RISK_SHARE)
    return started_at + (due_at - started_at) * share if due_at > started_at else due_at


def orders_overdue_q(now: datetime | None = None) -> Q:
    """Orders past their current stage's due time (confirmation included)."""
    return Q(status__in=CLOCKED_STAGES, stage_due_at__lte=now or timezone.now())


# -- service-level watch --------------------------------------------------------------


def confirmation_clocks_fill(*, limit: int = 2000) -> int:
    """Give received orders without a clock (made before it existed) their confirmation clock.

    Done here rather than in a data migration so the due time counts business
    hours and holidays by the one rule (`confirmation_clock`, from `placed_at`
    as `order_replan`), which a migration must not import. Each row is updated
    only while still received and clockless, so a confirm racing the watch
    wins and a rerun changes nothing. The version stays: nothing a client sees
    changes. At most `limit` per run; the next run takes the rest.
    """
    missing = (
        Order.objects.filter(status=OrderStatus.RECEIVED, stage_due_at__isnull=True)
        .select_related("storefront")
        .order_by("pk")[:limit]
    )
    filled = 0
    for order in missing:
        clock = confirmation_clock(storefront=order.storefront, start=order.placed_at)
        clock["stage_deadlines"] = {**(order.stage_deadlines or {}), **clock["stage_deadlines"]}
        filled += Order.objects.filter(
            pk=order.pk, status=OrderStatus.RECEIVED, stage_due_at__isnull=True
        ).update(**clock)
    return filled


def sla_breaches_record(*, now: datetime | None = None) -> int:
    """Raise one alert per order, stage and kind (at risk, overdue) that is new; return how many.

    Received orders without a clock get theirs first (`confirmation_clocks_fill`).
    A received order has no team yet: its alert goes to its storefront's
    default team (whose lead is e-mailed), if it has one. The unique constraint
    on SlaAlert makes a rerun, or two watchers at once, record each breach once.
    """
    now = now or timezone.now()
    confirmation_clocks_fill()
    raised = 0
    checks = [
        (SlaAlertKind.AT_RISK, Q(stage_at_risk_at__lte=now, stage_due_at__gt=now)),
        (SlaAlertKind.OVERDUE, Q(stage_due_at__lte=now)),
    ]
    for kind, breached in checks:
        already = SlaAlert.objects.filter(order=OuterRef("pk"), stage=OuterRef("status"), kind=kind)
        rows = [
            SlaAlert(
                order_id=order_id,
                stage=status,
                kind=kind,
                team_id=team_id,
                due_at=due_at,
                created_at=now,
            )
            for order_id, status, team_id, due_at in Order.objects.filter(
                breached, status__in=CLOCKED_STAGES
            )
            .exclude(Exists(already))
            .annotate(alert_team_id=Coalesce("team_id", "storefront__default_team_id"))
            .values_list("pk", "status", "alert_team_id", "stage_due_at")
            .iterator(chunk_size=2000)
        ]
        created = SlaAlert.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        raised += len(created)
    return raised


def sla_alerts_email(*, now: datetime | None = None) -> int:
    """E-mail each team lead the alerts not yet sent to them; return how many alerts went out.

    Alerts are locked while sent (skip_locked), so two watchers never send one
    twice; a failed send leaves them unsent for the next run. Alerts of orders
    with no team, or a team without a lead with an e-mail address, are marked
    sent without mail: they still show on the dashboard.
    """
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        alerts = list(
            SlaAlert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at__isnull=True)
            .select_related("order", "team__lead")
            .order_by("team_id", "due_at")[:2000]
        )
        by_lead: dict[int, list[SlaAlert]] = {}
        nobody: list[int] = []
        for alert in alerts:
            lead = alert.team.lead if alert.team else None
            if lead is None or not lead.email:
                nobody.append(alert.pk)
            else:
                by_lead.setdefault(lead.pk, []).append(alert)
        for team_alerts in by_lead.values():
            lead = team_alerts[0].team.lead
            _sla_alert_mail(lead, team_alerts)
            SlaAlert.objects.filter(pk__in=[a.pk for a in team_alerts]).update(emailed_at=now)
            sent += len(team_alerts)
        SlaAlert.objects.filter(pk__in=nobody).update(emailed_at=now)
    return sent


def _sla_alert_mail(lead: Any, alerts: list[SlaAlert]) -> None:
    # Staff accounts carry no language: the mail is in the active (default) language.
    overdue = sum(1 for alert in alerts if alert.kind == SlaAlertKind.OVERDUE)
    subject = (
        _("%(overdue)s overdue and %(at_risk)s at-risk orders")
        % {"overdue": overdue, "at_risk": len(alerts) - overdue}
        if overdue
        else _("%(count)s orders at risk of missing their service level") % {"count": len(alerts)}
    )
    lines = [sla_alert_line(alert) for alert in alerts]
    send_mail(
        subject=subject,
        message=_("These orders need attention:") + "\n\n" + "\n".join(lines) + "\n",
        from_email=None,
        recipient_list=[lead.email],
    )


def sla_alert_line(alert: SlaAlert) -> str:
    """Return one alert as the lead's e-mail lists it, its due time in the language's format.

    The time is the one DATETIME_FORMAT of the active language
    (orders_project/formats: "16 Nov 2026, 13:00" / "13:00, 16/11/2026"), in the
    local time zone, like every page and e-mail.
    """
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return _("- %(number)s (%(team)s): %(stage)s %(kind)s, due %(due)s - %(link)s") % {
        "number": alert.order.number,
        "team": alert.team,
        "stage": alert.get_stage_display(),
        "kind": str(alert.get_kind_display()).lower(),
        "due": date_format(timezone.localtime(alert.due_at), "DATETIME_FORMAT"),
        "link": f"{base}/dashboard/orders/{alert.order.number}/",
    }


def sla_alerts_open(user: Any) -> QuerySet[SlaAlert]:
    """Alerts whose order is still in the breached stage, of the teams `user` works for."""
    alerts = SlaAlert.objects.filter(order__status=F("stage"))
    # Like acting on orders: people in no team, and managers, see every team's alerts.
    if not user.has_perm("orders.work_any_team_order") and user.teams.exists():
        alerts = alerts.filter(team__in=user.teams.all())
    return alerts
