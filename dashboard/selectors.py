"""Reads behind the staff dashboard: board, queues, order detail and the leads' overview.

Every list read here costs a fixed number of queries however many orders
match: counts are aggregated by the database and the board's first cards per
column come from one windowed query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Replace, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fulfillment.models import AfterSalesRequest, Package, Shipment
from fulfillment.workflows import RequestWorkflow
from orders.models import (
    Department,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    Region,
    Storefront,
    Team,
)
from orders.planning import CLOCKED_STAGES, orders_overdue_q
from orders.selectors import order_stage_stays
from orders.services import OFFERED_TRANSITIONS, TRANSITIONS, TransitionSpec

from .request_pages import ORDER_RELATED, RequestPages

User = AbstractBaseUser | AnonymousUser

# The board's columns, in the order work flows; holds and after-delivery work sit at the end.
BOARD_STAGES: list[str] = [
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
    OrderStatus.ON_HOLD,
    OrderStatus.POST_DELIVERY,
]
# What the board and queues call a stage: received orders are work waiting for a
# decision, so their column and queue say what to do with them.
STAGE_LABELS = {**dict(OrderStatus.choices), OrderStatus.RECEIVED: gettext_lazy("To confirm")}


def stage_label(status: str) -> str:
    """Return what the board and the queues call the stage `status`."""
    return str(STAGE_LABELS[status])


BOARD_CARDS_PER_COLUMN = 20
# What a card shows (templates/dashboard/board.html); the states must be loaded, as
# django-fsm reads them when it makes the order.
BOARD_CARD_FIELDS = [
    "number",
    "status",
    "payment_status",
    "priority",
    "placed_at",
    "stage_due_at",
    "stage_at_risk_at",
    "customer__name",
    "storefront__name",
    "team__name",
]
QUEUE_PAGE_SIZE = 50
QUEUE_PAGE_SIZES = ("50", "100", "200", "500")  # 500: a whole bulk job on one page

# Overdue first (their due time is the earliest), then orders without a clock, oldest first.
ORDERING_OVERDUE_FIRST = [
    F("stage_due_at").asc(nulls_last=True),
    F("placed_at").asc(),
    F("id").asc(),
]
ORDERING_OLDEST_FIRST = [F("placed_at").asc(), F("id").asc()]
QUEUE_SORTS = {"overdue": ORDERING_OVERDUE_FIRST, "oldest": ORDERING_OLDEST_FIRST}


@dataclass(frozen=True)
class OrderFilters:
    """What the board and queue filter forms ask for; empty values filter nothing."""

    storefront: Storefront | None = None
    team: Team | None = None
    department: Department | None = None
    region: Region | None = None
    category: str = ""
    payment_status: str = ""
    priority: str = ""
    overdue_only: bool = False
    search: str = ""


def user_is_manager(user: User) -> bool:
    """Managers work every team's orders; the dashboard treats them as such."""
    return user.has_perm("orders.work_any_team_order")


def user_may_see_overview(user: User) -> bool:
    """The overview is for managers and team leads."""
    return user_is_manager(user) or user.teams_led.exists()


def user_home_team(user: User) -> Team | None:
    """The team whose queue `user` lands on: their first team, none for managers."""
    if user_is_manager(user):
        return None
    return user.teams.select_related("department").order_by("name", "id").first()


def team_home_stage(team: Team) -> str:
    """The stage a team's queue opens on: the first board stage its department owns."""
    owned = team.department.stages or []
    return next((stage for stage in BOARD_STAGES if stage in owned), OrderStatus.PROCESSING)


def region_q(region: Region) -> Q:
    """Orders shipped into `region`: same country, postal code starting with one of its prefixes.

    Postal codes are compared without spaces and in upper case, like routing does.
    """
    in_region = Q(shipping_address__country__iexact=region.country)
    prefixes = region.prefixes
    if not prefixes:
        return in_region
    any_prefix = Q()
    for prefix in prefixes:
        any_prefix |= Q(_postal_code_normalised__startswith=prefix)
    return in_region & any_prefix


def orders_search_q(search: str) -> Q:
    """Match an order number, external id, customer e-mail or name, or a tracking number."""
    search = search.strip()
    tracked = Shipment.objects.filter(
        order=OuterRef("pk"), tracking_number__in=_tracking_spellings(search)
    )
    return (
        Q(number__icontains=search)
        | Q(external_id__iexact=search)
        | Q(customer__email__icontains=search)
        | Q(customer__name__icontains=search)
        | Q(Exists(tracked))
    )


def order_search_exact(search: str) -> str | None:
    """Return the number of the one order whose number or a tracking number is exactly `search`.

    None when nothing or more than one order matches (then the list shows them).
    """
    search = search.strip()
    if not search:
        return None
    # Exact, indexed lookups (numbers are upper case; tracking numbers as carriers print
    # them): a case-insensitive match would read every order and shipment.
    by_number = list(Order.objects.filter(number=search.upper()).values_list("number", flat=True))
    by_tracking = list(
        Shipment.objects.filter(tracking_number__in=_tracking_spellings(search))
        .values_list("order__number", flat=True)
        .distinct()[:2]
    )
    matches = set(by_number) | set(by_tracking)
    return matches.pop() if len(matches) == 1 else None


def _tracking_spellings(search: str) -> list[str]:
    return list({search, search.upper()})


def orders_filter(orders: QuerySet[Order], *, filters: OrderFilters, now: datetime) -> QuerySet:
    """Narrow `orders` by the board's and queues' filters and search."""
    if filters.storefront is not None:
        orders = orders.filter(storefront=filters.storefront)
    if filters.team is not None:
        orders = orders.filter(team=filters.team)
    if filters.department is not None:
        orders = orders.filter(team__department=filters.department)
    if filters.region is not None:
        orders = orders.alias(
            _postal_code_normalised=Replace(
                Upper("shipping_address__postal_code"), Value(" "), Value("")
            )
        ).filter(region_q(filters.region))
    if filters.category:
        # Exists, not a join: an order with two lines of the category must appear once.
        orders = orders.filter(
            Exists(
                OrderLine.objects.filter(
                    order=OuterRef("pk"), category__iexact=filters.category.strip()
                )
            )
        )
    if filters.payment_status:
        orders = orders.filter(payment_status=filters.payment_status)
    if filters.priority:
        orders = orders.filter(priority=filters.priority)
    if filters.overdue_only:
        orders = orders.filter(orders_overdue_q(now))
    if filters.search.strip():
        orders = orders.filter(orders_search_q(filters.search))
    return orders


def _with_sla_state(orders: QuerySet[Order], *, now: datetime) -> QuerySet[Order]:
    """Annotate `sla_state`: "overdue", "at_risk" or "" (no clock, or time left)."""
    return orders.annotate(
        sla_state=Case(
            When(orders_overdue_q(now), then=Value("overdue")),
            When(
                status__in=CLOCKED_STAGES,
                stage_at_risk_at__lte=now,
                stage_due_at__gt=now,
                then=Value("at_risk"),
            ),
            default=Value(""),
            output_field=CharField(),
        )
    )


def _list_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "storefront", "team")


@dataclass
class BoardColumn:
    status: str
    label: str
    count: int
    overdue: int
    cards: list[Order]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board_columns(
    *, filters: OrderFilters, now: datetime | None = None, per_column: int = BOARD_CARDS_PER_COLUMN
) -> list[BoardColumn]:
    """Return one column per board stage with its counts and first cards.

    One query counts every column; then one small query per column takes its
    first cards through the (status, stage_due_at) index. A single windowed
    query would rank every open order first, which at a million orders costs
    more than all the columns together.
    """
    now = now or timezone.now()
    orders = orders_filter(Order.objects.filter(status__in=BOARD_STAGES), filters=filters, now=now)
    counts = {
        row["status"]: row
        for row in orders.order_by()
        .values("status")
        # Only indexed columns (status, stage_due_at): an index-only scan, no table reads.
        .annotate(total=Count("status"), overdue=Count("status", filter=orders_overdue_q(now)))
    }
    listed = _with_sla_state(
        orders.select_related("customer", "storefront", "team").only(*BOARD_CARD_FIELDS), now=now
    )
    # Always one query per column (even an empty one): the count stays fixed.
    cards = {
        stage: list(listed.filter(status=stage).order_by(*ORDERING_OVERDUE_FIRST)[:per_column])
        for stage in BOARD_STAGES
    }
    return [
        BoardColumn(
            status=stage,
            label=stage_label(stage),
            count=counts.get(stage, {}).get("total", 0),
            overdue=counts.get(stage, {}).get("overdue", 0),
            cards=cards[stage],
        )
        for stage in BOARD_STAGES
    ]


def queue_orders(
    *, status: str, filters: OrderFilters, sort: str = "overdue", now: datetime | None = None
) -> QuerySet[Order]:
    """Return the orders of one stage, filtered and sorted, ready to paginate."""
    now = now or timezone.now()
    orders = orders_filter(_list_queryset().filter(status=status), filters=filters, now=now)
    return _with_sla_state(orders, now=now).order_by(*QUEUE_SORTS.get(sort, ORDERING_OVERDUE_FIRST))


def bulk_transition_choices(user: User) -> list[TransitionSpec]:
    """Status transitions `user` holds the permission for: what the queue's bulk form offers."""
    return [
        spec
        for spec in OFFERED_TRANSITIONS.values()
        if spec.field == "status" and spec.permitted(user)
    ]


# -- one order ------------------------------------------------------------------------


def order_for_dashboard(number: str) -> Order | None:
    """Return the order with everything its detail page shows, or None."""
    return (
        Order.objects.select_related(
            "customer", "shipping_address", "storefront", "team__department", "backorder_of"
        )
        .prefetch_related(
            "lines",
            Prefetch("backorders", queryset=Order.objects.order_by("created_at", "id")),
            Prefetch(
                "packages",
                queryset=Package.objects.select_related(
                    "shipment__carrier", "packed_by"
                ).prefetch_related("lines__order_line"),
            ),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("carrier").prefetch_related("packages"),
            ),
            Prefetch(
                "events",
                queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id"),
            ),
            Prefetch(
                "after_sales_requests",
                queryset=AfterSalesRequest.objects.prefetch_related("lines__order_line"),
            ),
        )
        .filter(number=number)
        .first()
    )


@dataclass(frozen=True)
class StageDue:
    stage: str
    label: str
    due_at: datetime
    is_current: bool
    overdue: bool


def order_stage_due_times(order: Order, *, now: datetime | None = None) -> list[StageDue]:
    """Return the due time of each planned stage, marking the current one and whether it is late."""
    now = now or timezone.now()
    labels = dict(OrderStatus.choices)
    rows = []
    for stage in CLOCKED_STAGES:
        raw = (order.stage_deadlines or {}).get(stage)
        if not raw:
            continue
        due_at = datetime.fromisoformat(raw)
        is_current = order.status == stage
        rows.append(
            StageDue(
                stage=stage,
                label=str(labels[stage]),
                due_at=due_at,
                is_current=is_current,
                overdue=is_current and due_at <= now,
            )
        )
    return rows


def order_sla_state(order: Order, *, now: datetime | None = None) -> str:
    """Return "overdue", "at_risk" or "" for one order's current stage."""
    now = now or timezone.now()
    if order.status not in CLOCKED_STAGES or order.stage_due_at is None:
        return ""
    if order.stage_due_at <= now:
        return "overdue"
    if order.stage_at_risk_at is not None and order.stage_at_risk_at <= now:
        return "at_risk"
    return ""


def reassign_team_choices() -> QuerySet[Team]:
    """Teams an order may be moved to: the active ones."""
    return Team.objects.filter(is_active=True).order_by("name")


# -- the leads' overview --------------------------------------------------------------


def duration_display(duration: timedelta | None) -> str:
    """Say a duration the way a lead reads it: "2 d 3 h", "3 h 05 min", "12 min"."""
    if duration is None:
        return "—"
    minutes = max(0, round(duration.total_seconds() / 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


# Closed orders pile up forever; counting them on a page that refreshes itself
# every 30 seconds would read the whole table for a number nobody acts on.
CLOSED_STATUSES = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


def overview_orders_per_stage() -> list[dict[str, Any]]:
    """Return [{status, label, count}] for every open stage, zeros included; one indexed query."""
    counts = dict(
        Order.objects.exclude(status__in=CLOSED_STATUSES)
        .order_by()
        .values("status")
        .annotate(count=Count("status"))
        .values_list("status", "count")
    )
    return [
        {"status": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in OrderStatus.choices
        if value not in CLOSED_STATUSES
    ]


def overview_throughput_today(*, now: datetime | None = None) -> dict[str, Any]:
    """Return today's status changes per transition, and orders shipped and delivered today.

    "Today" is the business's day (TIME_ZONE), from local midnight.
    """
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    per_transition = list(
        OrderEvent.objects.filter(
            event_type=OrderEventType.STATUS_CHANGED, created_at__gte=start, created_at__lte=now
        )
        .order_by()
        .values("transition")
        .annotate(count=Count("id"))
        .order_by("-count", "transition")
    )
    labels = {name: spec.label for name, spec in TRANSITIONS.items()}
    for row in per_transition:
        row["label"] = labels.get(row["transition"], row["transition"])
    moved = Order.objects.aggregate(
        shipped=Count("id", filter=Q(shipped_at__gte=start, shipped_at__lte=now)),
        delivered=Count("id", filter=Q(delivered_at__gte=start, delivered_at__lte=now)),
    )
    return {"since": start, "per_transition": per_transition, **moved}


def overview_overdue_per_team(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Return [{team, count}] of overdue orders per team, most first; no team last."""
    rows = (
        Order.objects.filter(orders_overdue_q(now or timezone.now()))
        .order_by()
        .values("team_id", "team__name")
        .annotate(count=Count("id"))
    )
    return sorted(
        ({"team": row["team__name"], "count": row["count"]} for row in rows),
        key=lambda row: (row["team"] is None, -row["count"], row["team"] or ""),
    )


def overview_average_stage_times(
    *, now: datetime | None = None, days: int = 30
) -> list[dict[str, Any]]:
    """Return [{status, label, average, count}]: how long orders stayed in each stage.

    Stays as `orders.selectors.order_stage_stays` defines them, averaged by the
    database.
    """
    now = now or timezone.now()
    rows = (
        order_stage_stays(now=now, days=days, stages=BOARD_STAGES)
        .values("to_status")
        .annotate(average=Avg("stay"), count=Count("id"))
    )
    by_status = {row["to_status"]: row for row in rows}
    labels = dict(OrderStatus.choices)
    return [
        {
            "status": stage,
            "label": str(labels[stage]),
            "average": by_status[stage]["average"],
            "average_display": duration_display(by_status[stage]["average"]),
            "count": by_status[stage]["count"],
        }
        for stage in BOARD_STAGES
        if stage in by_status
    ]


# -- after-sales and supplier requests ----------------------------------------------

REQUEST_PAGE_SIZE = 25


def requests_for_list(
    pages: RequestPages, *, statuses: tuple[str, ...] | None, lookups: dict[str, Any]
) -> QuerySet:
    """Return requests of `pages`' kind in `statuses` (None: all) matching `lookups`, oldest first.

    Each row comes with what its list shows: the related rows and the counts.
    """
    requests = (
        pages.workflow.model.objects.select_related(*ORDER_RELATED, *pages.related)
        .annotate(**{name: Count(relation, distinct=True) for name, relation in pages.counts})
        .filter(**lookups)
    )
    if statuses is not None:
        requests = requests.filter(status__in=statuses)
    return requests.order_by("created_at", "id")


def request_for_page(pages: RequestPages, pk: int) -> Model | None:
    """Return one request with everything its page shows, or None."""
    model = pages.workflow.model
    lines = model._meta.get_field("lines").related_model.objects.select_related("order_line")
    return (
        model.objects.select_related(*ORDER_RELATED, *pages.related)
        .prefetch_related(Prefetch("lines", queryset=lines), *pages.page_prefetch)
        .filter(pk=pk)
        .first()
    )


def request_history(workflow: RequestWorkflow, request: Model) -> list[OrderEvent]:
    """Return the order's history rows about `request`, oldest first."""
    return list(
        OrderEvent.objects.filter(
            order_id=request.order_id, **{f"data__{workflow.kind}": request.pk}
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
