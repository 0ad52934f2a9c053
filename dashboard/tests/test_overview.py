"""The leads' overview: numbers on a small known dataset, and who may see it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from dashboard.selectors import (
    duration_display,
    overview_average_stage_times,
    overview_orders_per_stage,
    overview_overdue_per_team,
    overview_throughput_today,
)
from orders.models import Order, OrderEvent
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import user_with_role

from .conftest import order_make, team_create

pytestmark = pytest.mark.django_db

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=SAIGON)  # a Wednesday afternoon


def stamp(order: Order, transition: str, at: datetime) -> None:
    """Put the order's `transition` event at `at`, as if it had happened then."""
    OrderEvent.objects.filter(order=order, transition=transition).update(created_at=at)


def test_orders_per_stage_counts_every_open_status():
    for status in ["processing", "processing", "picking", "on_hold", "completed", "cancelled"]:
        order_make(status)

    counts = {row["status"]: row["count"] for row in overview_orders_per_stage()}

    assert counts["processing"] == 2
    assert counts["picking"] == 1
    assert counts["on_hold"] == 1
    assert counts["received"] == 0
    assert "completed" not in counts and "cancelled" not in counts  # closed: not a queue
    assert sum(counts.values()) == 4


def test_throughput_counts_todays_status_changes_per_transition_and_shipped_delivered():
    a, b = order_make("picking"), order_make("processing")
    for order in (a, b):
        stamp(order, "confirm", NOW - timedelta(hours=2))
    stamp(a, "start_picking", NOW - timedelta(days=1))  # yesterday: not counted
    shipped = order_make("delivered")
    OrderEvent.objects.filter(order=shipped).update(created_at=NOW - timedelta(hours=1))
    Order.objects.filter(pk=shipped.pk).update(
        shipped_at=NOW - timedelta(hours=1), delivered_at=NOW - timedelta(minutes=5)
    )

    today = overview_throughput_today(now=NOW)

    assert today["since"] == datetime(2026, 11, 18, 0, 0, tzinfo=SAIGON)
    assert {row["transition"]: row["count"] for row in today["per_transition"]} == {
        "confirm": 3,
        "start_picking": 1,
        "start_packing": 1,
        "mark_ready_to_ship": 1,
        "ship": 1,
        "deliver": 1,
    }
    assert (today["shipped"], today["delivered"]) == (1, 1)


def test_overdue_per_team_most_first_and_no_team_last():
    north, south = team_create("north"), team_create("south")
    late = [order_make("picking", team=north), order_make("packing", team=north)]
    late += [order_make("picking", team=south), order_make("picking")]
    on_time = order_make("picking", team=south)
    Order.objects.filter(pk__in=[o.pk for o in late]).update(stage_due_at=NOW - timedelta(hours=1))
    Order.objects.filter(pk=on_time.pk).update(stage_due_at=NOW + timedelta(hours=1))

    assert overview_overdue_per_team(now=NOW) == [
        {"team": "North", "count": 2},
        {"team": "South", "count": 1},
        {"team": None, "count": 1},
    ]


def test_average_time_per_stage_pairs_consecutive_status_changes_of_the_last_30_days():
    first, second, old = order_make("packing"), order_make("picking"), order_make("picking")
    stamp(first, "confirm", NOW - timedelta(hours=3))
    stamp(first, "start_picking", NOW - timedelta(hours=2))  # 1 h processing
    stamp(first, "start_packing", NOW - timedelta(hours=1, minutes=30))  # 30 min picking
    stamp(second, "confirm", NOW - timedelta(hours=5))
    stamp(second, "start_picking", NOW - timedelta(hours=2))  # 3 h processing; still picking
    stamp(old, "confirm", NOW - timedelta(days=40))
    stamp(old, "start_picking", NOW - timedelta(days=39))  # began too long ago

    rows = overview_average_stage_times(now=NOW)

    assert [(r["status"], r["average"], r["count"]) for r in rows] == [
        ("processing", timedelta(hours=2), 2),
        ("picking", timedelta(minutes=30), 1),
    ]
    assert [r["average_display"] for r in rows] == ["2 h 00 min", "30 min"]


def test_duration_display():
    assert duration_display(timedelta(days=2, hours=3, minutes=10)) == "2 d 3 h"
    assert duration_display(timedelta(minutes=59, seconds=40)) == "1 h 00 min"
    assert duration_display(None) == "—"


def test_a_manager_sees_the_overview_with_its_numbers(client):
    client.force_login(user_with_role(MANAGER))
    team = team_create("north")
    late = order_make("picking", team=team)
    Order.objects.filter(pk=late.pk).update(stage_due_at=timezone.now() - timedelta(minutes=1))
    order_transition(order=order_make("processing"), transition="start_picking", actor=None)

    response = client.get("/dashboard/overview/")

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        '<tr data-stage="picking"><th scope="row">'
        '<a href="/dashboard/queue/picking/">Picking</a></th><td>2</td></tr>' in page
    )
    assert '<tr data-team="North"><th scope="row">North</th><td>1</td></tr>' in page
    assert (
        '<tr data-transition="start_picking"><th scope="row">Start picking</th><td>2</td></tr>'
        in page
    )


def test_a_team_lead_sees_the_overview(client):
    lead = user_with_role(WAREHOUSE)
    team_create("north", lead=lead)
    client.force_login(lead)

    response = client.get("/dashboard/board/")

    assert 'href="/dashboard/overview/"' in response.content.decode()
    assert client.get("/dashboard/overview/").status_code == 200


def test_a_plain_warehouse_user_is_refused_the_overview(client):
    client.force_login(user_with_role(WAREHOUSE))

    response = client.get("/dashboard/overview/")

    assert response.status_code == 403
    assert "for managers and team leads" in response.content.decode()
    assert 'href="/dashboard/overview/"' not in client.get("/dashboard/board/").content.decode()
