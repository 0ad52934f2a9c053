"""The managers' KPI page: every chart's numbers on small hand-built data, access, query count.

Orders, events and ledger entries are made through the services with the clock
pinned (`timezone.now` patched), so due times and ledger dates are the ones the
services compute for that moment. Model field defaults keep a reference to the
real `timezone.now`, so the time of an order's placing and of each status
change is stamped afterwards, as the dashboard overview's tests do.
"""

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import (
    Order,
    OrderEvent,
    OrderEventType,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from orders.roles import FINANCE, MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    StorefrontFactory,
    order_in_state,
    order_new,
    transition_prepare,
    user_with_role,
)
from reports.kpi import (
    BacklogStage,
    StageTime,
    kpi_backlog,
    kpi_chart_data,
    kpi_on_time_rate,
    kpi_orders_per_day,
    kpi_page,
    kpi_revenue_against_costs,
    kpi_stage_times,
    percentile_cont,
)
from reports.models import CarrierRate, StorefrontCostRates

pytestmark = pytest.mark.django_db

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=SAIGON)  # a Wednesday afternoon
MONDAY = datetime(2026, 11, 16, tzinfo=SAIGON)  # this week's Monday, midnight


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SAIGON)


@contextmanager
def clock(moment: datetime):
    with patch("django.utils.timezone.now", return_value=moment):
        yield


def placed(moment: datetime, **kwargs) -> Order:
    """A new order, placed at `moment`."""
    with clock(moment):
        order = order_new(**kwargs)
    Order.objects.filter(pk=order.pk).update(placed_at=moment)
    OrderEvent.objects.filter(order=order).update(created_at=moment)
    return Order.objects.get(pk=order.pk)


def step(order: Order, transition: str, moment: datetime, *, reason: str = "") -> Order:
    """Run `transition` at `moment` through the service and date its event then."""
    with clock(moment):
        order = transition_prepare(order, transition)
        order = order_transition(order=order, transition=transition, actor=None, reason=reason)
    event = order.events.filter(event_type=OrderEventType.STATUS_CHANGED).latest("id")
    assert event.transition == transition
    OrderEvent.objects.filter(pk=event.pk).update(created_at=moment)
    return order


def walk(order: Order, steps: list[tuple[str, datetime]]) -> Order:
    for transition, moment in steps:
        order = step(order, transition, moment)
    return order


# -- 1. orders per day ----------------------------------------------------------------


def test_orders_per_day_counts_the_last_30_local_days_stacked_by_current_status():
    placed(local(18, 9))  # today, still received
    step(placed(local(18, 10)), "confirm", local(18, 11))  # today, processing
    # 00:30 in Saigon is still yesterday in UTC: it counts for the local day, today.
    step(placed(local(18, 0, 30)), "confirm", local(18, 1))
    cancelled = placed(local(20, 12, month=10))  # the first day of the 30
    step(cancelled, "cancel", local(20, 13, month=10), reason="customer changed their mind")
    placed(local(19, 23, month=10))  # 30 days ago: outside
    placed(local(17, 12))  # yesterday, received

    chart = kpi_orders_per_day(now=NOW)

    assert len(chart.days) == 30
    assert (chart.days[0], chart.days[-1]) == (date(2026, 10, 20), date(2026, 11, 18))
    by_status = {series.status: series.counts for series in chart.series}
    assert list(by_status) == ["received", "processing", "cancelled"]
    assert by_status["received"] == [0] * 28 + [1, 1]
    assert by_status["processing"] == [0] * 29 + [2]
    assert by_status["cancelled"] == [1] + [0] * 29
    assert chart.totals == [1] + [0] * 27 + [1, 3]
    assert chart.rows[-1] == (date(2026, 11, 18), [1, 2, 0], 3)


def test_orders_per_day_without_orders_has_30_empty_days():
    chart = kpi_orders_per_day(now=NOW)

    assert chart.series == []
    assert chart.totals == [0] * 30


# -- 2. time in stage -----------------------------------------------------------------


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([10, 1, 4, 2], 0.5) == 3.0
    assert percentile_cont([1, 2, 4, 10], 0.9) == pytest.approx(8.2)
    assert percentile_cont([7], 0.9) == 7
    assert percentile_cont([], 0.5) is None


def stage_time_orders() -> None:
    hours = [NOW - timedelta(hours=h) for h in range(0, 25)]
    # processing 2 h, picking 30 min, packing 3.5 h; still ready to ship
    walk(
        placed(hours[11]),
        [
            ("confirm", hours[10]),
            ("start_picking", hours[8]),
            ("start_packing", hours[7] - timedelta(minutes=30)),
            ("mark_ready_to_ship", hours[4]),
        ],
    )
    # processing 4 h, picking 1 h; still packing
    walk(
        placed(hours[21]),
        [("confirm", hours[20]), ("start_picking", hours[16]), ("start_packing", hours[15])],
    )
    # processing 1 h; still picking
    walk(placed(hours[7]), [("confirm", hours[6]), ("start_picking", hours[5])])
    # processing 10 h
    walk(placed(hours[13]), [("confirm", hours[12]), ("start_picking", hours[2])])
    # Began 40 days ago: outside the 30 days.
    walk(
        placed(NOW - timedelta(days=41)),
        [("confirm", NOW - timedelta(days=40)), ("start_picking", NOW - timedelta(days=39))],
    )


EXPECTED_STAGE_TIMES = [
    # processing stays 1, 2, 4 and 10 h: median (2 + 4) / 2; p90 at 2.7 of 0..3: 4 + 0.7 * 6
    StageTime("processing", "Processing", 3.0, 8.2, 4),
    # picking 0.5 and 1 h: p90 0.5 + 0.9 * 0.5
    StageTime("picking", "Picking", 0.75, 0.95, 2),
    StageTime("packing", "Packing", 3.5, 3.5, 1),
    StageTime("ready_to_ship", "Ready to ship", None, None, 0),
    StageTime("shipped", "Shipped", None, None, 0),
]


def test_stage_times_in_python_match_hand_computed_median_and_90th_percentile():
    stage_time_orders()

    assert kpi_stage_times(now=NOW, in_database=False) == EXPECTED_STAGE_TIMES


def test_a_stay_that_ends_after_now_has_not_ended_yet():
    order = walk(placed(NOW - timedelta(hours=3)), [("confirm", NOW - timedelta(hours=2))])
    step(order, "start_picking", NOW + timedelta(hours=1))

    assert kpi_stage_times(now=NOW, in_database=False)[0] == StageTime(
        "processing", "Processing", None, None, 0
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's (DATABASE_URL)"
)
def test_stage_times_in_postgresql_match_the_python_path():
    stage_time_orders()

    assert kpi_stage_times(now=NOW, in_database=True) == EXPECTED_STAGE_TIMES
    assert kpi_stage_times(now=NOW) == EXPECTED_STAGE_TIMES


# -- 3. on-time rate ------------------------------------------------------------------


def test_on_time_rate_per_stage_and_week_against_each_orders_due_times():
    # Confirmed Monday 09:00 with the default service level (4, 4, 4, 8 business hours,
    # 8:00 to 17:00): processing due Monday 13:00, picking Monday 17:00, packing
    # Tuesday 12:00, ready to ship Wednesday 11:00.
    p = walk(placed(local(16, 8)), [("confirm", local(16, 9))])
    assert {stage: datetime.fromisoformat(due) for stage, due in p.stage_deadlines.items()} | {
        "shipped": None
    } == {
        "received": local(16, 10),  # placed 08:00, to be confirmed within 2 business hours
        "processing": local(16, 13),
        "picking": local(16, 17),
        "packing": local(17, 12),
        "ready_to_ship": local(18, 11),
        "shipped": None,
    }
    walk(
        p,
        [
            ("start_picking", local(16, 13)),  # exactly at the due time: on time
            ("start_packing", local(16, 17, 30)),  # late
            ("mark_ready_to_ship", local(17, 11)),  # on time
        ],
    )
    q = walk(placed(local(16, 8)), [("confirm", local(16, 9))])
    step(q, "start_picking", local(16, 14))  # late
    # Confirmed Friday 16:00: processing due Monday 11:00. Left Monday 00:30 local,
    # which is still Sunday in UTC: it belongs to this week.
    r2 = walk(placed(local(13, 15)), [("confirm", local(13, 16))])
    step(r2, "start_picking", local(16, 0, 30))
    # Last week: processing on time, picking left late for a hold.
    r = walk(placed(local(9, 8)), [("confirm", local(9, 9)), ("start_picking", local(9, 10))])
    step(r, "hold", local(10, 9), reason="stock_shortage")
    # Eight weeks ago: outside.
    old = walk(placed(local(21, 8, month=9)), [("confirm", local(21, 9, month=9))])
    step(old, "start_picking", local(21, 10, month=9))
    # No due time to judge against: left out.
    undated = walk(placed(local(16, 8)), [("confirm", local(16, 9))])
    Order.objects.filter(pk=undated.pk).update(stage_deadlines={})
    step(Order.objects.get(pk=undated.pk), "start_picking", local(16, 10))

    chart = kpi_on_time_rate(now=NOW)

    assert chart.weeks == [date(2026, 9, 28) + timedelta(weeks=n) for n in range(8)]
    empty = [None] * 6
    by_stage = {s.status: (s.exits, s.on_time, s.rates) for s in chart.series}
    assert by_stage == {
        "processing": ([0] * 6 + [1, 3], [0] * 6 + [1, 2], [*empty, 100.0, 66.7]),
        "picking": ([0] * 6 + [1, 1], [0] * 8, [*empty, 0.0, 0.0]),
        "packing": ([0] * 7 + [1], [0] * 7 + [1], [*empty, None, 100.0]),
        "ready_to_ship": ([0] * 8, [0] * 8, [None] * 8),
        "shipped": ([0] * 8, [0] * 8, [None] * 8),
    }


# -- 4. backlog -----------------------------------------------------------------------


def test_backlog_counts_orders_per_stage_now_with_the_overdue_part():
    placed(local(18, 9))
    placed(local(18, 10))
    # Processing due Monday 13:00: overdue on Wednesday afternoon.
    walk(placed(local(16, 8)), [("confirm", local(16, 9))])
    # Confirmed Wednesday 14:00: due Thursday 09:00.
    walk(placed(local(18, 13)), [("confirm", local(18, 14))])
    # Picking due Monday 17:00: overdue.
    walk(placed(local(16, 8)), [("confirm", local(16, 9)), ("start_picking", local(16, 10))])
    with clock(local(18, 14, 30)):
        order_in_state(OrderStatus.SHIPPED)  # due in 47 business hours
        order_in_state(OrderStatus.ON_HOLD)  # no clock, not a backlog stage
        order_in_state(OrderStatus.DELIVERED)

    # Placed 09:00 and 10:00 today, to be confirmed within 2 business hours: overdue now.
    assert kpi_backlog(now=NOW) == [
        BacklogStage("received", "Received", 2, 2),
        BacklogStage("processing", "Processing", 2, 1),
        BacklogStage("picking", "Picking", 1, 1),
        BacklogStage("packing", "Packing", 0, 0),
        BacklogStage("ready_to_ship", "Ready to ship", 0, 0),
        BacklogStage("shipped", "Shipped", 1, 0),
    ]
    assert [row.within_time for row in kpi_backlog(now=NOW)] == [0, 1, 0, 0, 0, 1]


# -- 5. revenue against costs ---------------------------------------------------------


def money_data() -> None:
    """VND: 10 entries in the 12 weeks, USD: 2."""
    shop = StorefrontFactory(code="vnd-shop", currency="VND")
    StorefrontCostRates.objects.create(
        storefront=shop, packaging_per_package=Decimal("5000"), handling_per_order=Decimal("10000")
    )
    CarrierRate.objects.create(
        storefront=shop,
        carrier=CarrierFactory(),
        per_shipment=Decimal("20000"),
        per_kg=Decimal("1000"),
    )
    paid = {"payment_method": PaymentMethod.CARD, "payment_status": PaymentStatus.PAID}
    # 2 x 120,000 + 85,001 + 30,000 shipping = 355,001 earned when placed (paid)
    v1 = placed(local(17, 10), storefront=shop, **paid)
    # packed (5,000), booked with the carrier (20,000 + 1.2 kg x 1,000), shipped (10,000)
    walk(
        v1,
        [
            ("confirm", local(17, 10, 30)),
            ("start_picking", local(17, 10, 40)),
            ("start_packing", local(17, 10, 50)),
            ("mark_ready_to_ship", local(17, 11)),
            ("ship", local(17, 11, 30)),
        ],
    )
    with clock(local(18, 9)):
        order_transition(
            order=Order.objects.get(pk=v1.pk),
            transition="refund_payment",
            actor=None,
            amount=Decimal("50000"),
        )
    placed(local(9, 10), storefront=shop, **paid)
    placed(local(15, 23, 30), storefront=shop, **paid)  # Sunday night local: last week
    placed(local(30, 12, month=8), storefront=shop, **paid)  # before the 12 weeks
    usd = StorefrontFactory(code="usd-shop", currency="USD")
    placed(
        local(18, 8),
        storefront=usd,
        lines=[{"sku": "CAP-1", "name": "Cap", "quantity": 1, "unit_price": "20.00"}],
        shipping_price=Decimal("5.00"),
        **paid,
    )


def test_revenue_against_costs_per_week_in_the_currency_with_most_entries():
    money_data()

    chart = kpi_revenue_against_costs(now=NOW)

    assert chart.currency == "VND"
    assert [(c.code, c.entries) for c in chart.currencies] == [("VND", 10), ("USD", 2)]
    assert [week.week for week in chart.weeks] == [
        date(2026, 8, 31) + timedelta(weeks=n) for n in range(12)
    ]
    nothing = (Decimal(0), Decimal(0), Decimal(0))
    assert [(w.revenue, w.refunds, w.costs) for w in chart.weeks] == [nothing] * 10 + [
        (Decimal("710002.00"), Decimal(0), Decimal(0)),
        (Decimal("355001"), Decimal("50000.00"), Decimal("36200.00")),
    ]
    this_week = chart.weeks[-1]
    assert (this_week.net_revenue, this_week.margin) == (
        Decimal("305001"),
        Decimal("268801"),
    )


def test_revenue_against_costs_in_a_chosen_currency_and_an_unknown_one_falls_back():
    money_data()

    usd = kpi_revenue_against_costs(now=NOW, currency="USD")
    unknown = kpi_revenue_against_costs(now=NOW, currency="EUR")

    assert usd.currency == "USD"
    assert [(w.revenue, w.costs) for w in usd.weeks][-1] == (Decimal("25.00"), Decimal(0))
    assert sum(w.revenue for w in usd.weeks) == Decimal("25.00")
    assert unknown.currency == "VND"


def test_revenue_against_costs_without_entries_names_no_currency():
    chart = kpi_revenue_against_costs(now=NOW)

    assert (chart.currency, chart.currencies) == (None, [])
    assert len(chart.weeks) == 12


def test_chart_data_carries_the_series_of_each_chart_as_plain_json():
    money_data()

    charts = kpi_chart_data(kpi_page(now=NOW))

    assert list(charts) == ["orders_per_day", "stage_times", "on_time", "backlog", "money"]
    assert charts["money"]["axis"] == "VND"
    assert charts["money"]["datasets"][0]["label"] == "Revenue minus refunds"
    assert charts["money"]["datasets"][0]["data"][-2:] == ["710002.00", "305001.00"]
    assert charts["money"]["datasets"][1]["data"][-1] == "36200.00"
    assert charts["money"]["labels"][-1] == "Week of 16 Nov"
    # money_data's orders were placed in earlier weeks and never confirmed: overdue.
    assert charts["backlog"]["datasets"][1] == {
        "key": "overdue",
        "label": "Overdue",
        "data": [4, 0, 0, 0, 0, 0],
    }
    # v1 spent 10 min in each of processing, picking and packing, 30 min ready to ship.
    assert charts["stage_times"]["datasets"][0]["data"] == [0.17, 0.17, 0.17, 0.5, None]
    assert charts["orders_per_day"]["labels"][-1] == "18 Nov"


# -- the page -------------------------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script([^>]*)>(.*?)</script>", re.S)


def test_a_manager_sees_five_charts_each_with_a_heading_and_a_data_table(client):
    client.force_login(user_with_role(MANAGER))
    walk(placed(NOW - timedelta(hours=3)), [("confirm", NOW - timedelta(hours=2))])

    response = client.get("/dashboard/kpi/")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<canvas ") == 5
    assert page.count("<details>") == 5
    for name in ["orders-per-day", "stage-times", "on-time", "backlog", "money"]:
        assert f'aria-labelledby="kpi-{name}-heading"' in page
        assert f'<h2 id="kpi-{name}-heading">' in page
        assert f'<script id="kpi-{name}-data" type="application/json">' in page
        if name != "money":
            assert f'<table data-table="{name}"' in page
    # Nothing has been earned yet: the money chart says so instead of an empty table.
    assert "No ledger entries in the last 12 weeks." in page
    assert '<tr data-stage="processing"><th scope="row">Processing</th><td>1</td>' in page
    # No inline code: every script is either loaded from a file or JSON data.
    for attributes, body in SCRIPT_TAG.findall(page):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" not in attributes or not body.strip()
    assert "/static/reports/chart.umd.min.js" in page
    assert "/static/reports/kpi.js" in page
    # Nothing is loaded from elsewhere (a CDN): every script and stylesheet is ours.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)


def test_finance_sees_the_page_with_a_currency_choice_when_there_are_several(client):
    money_data()
    client.force_login(user_with_role(FINANCE))

    default = client.get("/dashboard/kpi/").content.decode()
    usd = client.get("/dashboard/kpi/", {"currency": "USD"}).content.decode()

    assert '<select id="kpi-currency-select" name="currency">' in default
    assert '<option value="VND" selected>VND</option>' in default
    assert '<table data-table="money" data-currency="VND">' in default
    assert '<option value="USD" selected>USD</option>' in usd
    assert '<table data-table="money" data-currency="USD">' in usd
    assert "<td>$25.00</td>" in usd


@pytest.mark.parametrize(
    ("role", "status"),
    [(MANAGER, 200), (FINANCE, 200), (WAREHOUSE, 403)],
    ids=["manager", "finance", "warehouse"],
)
def test_the_page_is_for_managers_and_finance(client, role, status):
    client.force_login(user_with_role(role))

    response = client.get("/dashboard/kpi/")

    assert response.status_code == status
    if status == 403:
        assert "The KPI page is for managers and finance." in response.content.decode()
        assert "<canvas" not in response.content.decode()


def test_anonymous_users_are_sent_to_the_dashboard_login(client):
    response = client.get("/dashboard/kpi/")

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def orders_with_history(count: int) -> None:
    for n in range(count):
        with clock(NOW - timedelta(hours=n + 1)):
            order = order_in_state(
                OrderStatus.SHIPPED if n % 2 else OrderStatus.PICKING,
                payment_method=PaymentMethod.CARD,
                payment_status=PaymentStatus.PAID,
            )
        OrderEvent.objects.filter(order=order).update(created_at=NOW - timedelta(hours=n + 1))


def kpi_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/kpi/")
    assert response.status_code == 200
    return len(queries)


def test_the_page_makes_a_fixed_number_of_queries_whatever_the_number_of_orders(client):
    client.force_login(user_with_role(MANAGER))
    orders_with_history(3)
    with_3 = kpi_queries(client)
    orders_with_history(27)
    assert Order.objects.count() == 30

    with_30 = kpi_queries(client)

    # session, user, the user's and the groups' permissions, the header's alert count,
    # platform deliveries and tracking updates needing attention, then six for the figures
    assert with_3 == with_30 == 13
