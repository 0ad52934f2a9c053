"""Routing on confirm by each management mode, and due times in business hours."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from orders.models import (
    Department,
    Holiday,
    ManagementMode,
    Order,
    OrderStatus,
    ProductCategory,
    Region,
    ServiceLevel,
    Team,
)
from orders.planning import BusinessCalendar, team_id_for_stage
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_transition
from shared.errors import TransitionPermissionDenied

from .factories import (
    StorefrontFactory,
    order_in_state,
    order_new,
    order_pick_everything,
    user_with_role,
)

pytestmark = pytest.mark.django_db

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SAIGON)


def team(code: str, department: Department | None = None, **kwargs) -> Team:
    department = department or Department.objects.get_or_create(code="ops", name="Ops")[0]
    kwargs.setdefault("name", code.title())
    return Team.objects.create(code=code, department=department, **kwargs)


def confirm_at(order, moment: datetime):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return order_transition(order=order, transition="confirm", actor=None)


# -- business hours (08:00-17:00, Monday to Friday, minus holidays) ------------------


@pytest.mark.parametrize(
    "start, hours, due",
    [
        (at(2026, 11, 16, 9, 0), 4, at(2026, 11, 16, 13, 0)),  # Monday within the day
        (at(2026, 11, 16, 15, 0), 4, at(2026, 11, 17, 10, 0)),  # rolls to Tuesday morning
        (at(2026, 11, 16, 6, 30), 1, at(2026, 11, 16, 9, 0)),  # before opening counts from 8
        (at(2026, 11, 20, 16, 0), 3, at(2026, 11, 23, 10, 0)),  # Friday late -> Monday
        (at(2026, 11, 21, 12, 0), 2, at(2026, 11, 23, 10, 0)),  # Saturday counts from Monday
        (at(2026, 11, 16, 8, 0), 9, at(2026, 11, 16, 17, 0)),  # exactly one working day
    ],
)
def test_business_hours_skip_nights_and_weekends(start, hours, due):
    calendar = BusinessCalendar.load()

    assert calendar.add_hours(start, Decimal(hours)) == due


def test_a_holiday_is_skipped_like_a_weekend():
    Holiday.objects.create(date=date(2026, 11, 23), name="Company day")  # a Monday
    calendar = BusinessCalendar.load()

    # Friday 16:00 + 3h: 1h on Friday, Monday is off, 2h on Tuesday.
    assert calendar.add_hours(at(2026, 11, 20, 16, 0), 3) == at(2026, 11, 24, 10, 0)


def test_confirm_sets_each_stages_due_time_across_a_weekend_and_a_holiday():
    Holiday.objects.create(date=date(2026, 11, 23), name="Company day")
    storefront = StorefrontFactory()
    ServiceLevel.objects.create(
        storefront=storefront,
        priority="standard",
        processing_hours=2,
        picking_hours=3,
        packing_hours=1,
        ready_to_ship_hours=4,
        shipping_hours=18,
        shipping_hours_abroad=45,
    )
    order = order_new(storefront=storefront)

    order = confirm_at(order, at(2026, 11, 20, 15, 0))  # Friday afternoon

    due = {stage: datetime.fromisoformat(value) for stage, value in order.stage_deadlines.items()}
    # The confirmation's own due time (set at creation) stays beside the planned stages.
    assert due.pop("received") == datetime.fromisoformat(
        Order.objects.get(pk=order.pk).stage_deadlines["received"]
    )
    assert due == {
        "processing": at(2026, 11, 20, 17, 0),
        "picking": at(2026, 11, 24, 11, 0),  # Monday is the holiday
        "packing": at(2026, 11, 24, 12, 0),
        "ready_to_ship": at(2026, 11, 24, 16, 0),
        "shipped": at(2026, 11, 26, 16, 0),  # 1h Tue + 9h Wed + 8h Thu
    }
    assert order.promised_delivery_date == date(2026, 11, 26)
    assert order.stage_due_at == at(2026, 11, 20, 17, 0)


def test_express_orders_use_their_own_service_level():
    storefront = StorefrontFactory()
    for priority, hours in [("standard", 8), ("express", 1)]:
        ServiceLevel.objects.create(
            storefront=storefront,
            priority=priority,
            processing_hours=hours,
            picking_hours=hours,
            packing_hours=hours,
            ready_to_ship_hours=hours,
            shipping_hours=hours,
            shipping_hours_abroad=hours,
        )
    order = order_new(storefront=storefront)
    order.priority = "express"
    order.save(update_fields=["priority"])

    order = confirm_at(order, at(2026, 11, 16, 9, 0))

    assert order.stage_due_at == at(2026, 11, 16, 10, 0)


def test_each_status_change_restarts_the_stage_clock():
    order = confirm_at(order_new(), at(2026, 11, 16, 9, 0))
    with mock.patch("django.utils.timezone.now", return_value=at(2026, 11, 16, 11, 0)):
        order = order_transition(order=order, transition="start_picking", actor=None)

    picking_due = datetime.fromisoformat(order.stage_deadlines["picking"])
    assert order.stage_started_at == at(2026, 11, 16, 11, 0)
    assert order.stage_due_at == picking_due
    # At risk once three quarters of the time left at the start is used.
    assert (
        order.stage_at_risk_at
        == at(2026, 11, 16, 11, 0) + (picking_due - at(2026, 11, 16, 11, 0)) * 0.75
    )

    order = order_transition(order=order, transition="hold", actor=None, reason="stock_shortage")
    assert order.stage_due_at is None  # a held order is an exception, not a late one


# -- routing --------------------------------------------------------------------------


def test_by_goods_routes_to_the_team_owning_the_largest_category():
    home, tea = team("home"), team("tea")
    ProductCategory.objects.create(name="Home", team=home)
    ProductCategory.objects.create(name="Drinks", team=tea)
    storefront = StorefrontFactory(management_mode=ManagementMode.BY_GOODS)
    order = order_new(
        storefront=storefront,
        lines=[
            {"sku": "MUG", "name": "Mug", "quantity": 1, "unit_price": "100", "category": "home"},
            {"sku": "TEA", "name": "Tea", "quantity": 3, "unit_price": "50", "category": "Drinks"},
        ],
    )

    assert confirm_at(order, at(2026, 11, 16, 9, 0)).team == tea  # 150 of drinks > 100 of home


def test_direct_routes_to_the_customers_account_team():
    account = team("key-accounts")
    storefront = StorefrontFactory(management_mode=ManagementMode.DIRECT)
    order = order_new(storefront=storefront)
    order.customer.account_team = account
    order.customer.save()

    assert confirm_at(order, at(2026, 11, 16, 9, 0)).team == account


def test_geographic_routes_by_the_longest_matching_postal_code_prefix():
    south, saigon, north = team("south"), team("saigon"), team("north")
    Region.objects.create(name="Vietnam", country="VN", team=north)
    Region.objects.create(name="South", country="VN", postal_code_prefixes="7, 8", team=south)
    Region.objects.create(name="Saigon", country="VN", postal_code_prefixes="70,71", team=saigon)
    storefront = StorefrontFactory(management_mode=ManagementMode.GEOGRAPHIC)

    order = confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0))  # 700000

    assert order.team == saigon


def test_by_function_follows_the_department_owning_each_stage():
    office = Department.objects.create(name="Order desk", code="desk", stages=["processing"])
    floor = Department.objects.create(name="Floor", code="floor", stages=["picking", "packing"])
    desk_team, floor_team = team("desk", office), team("floor", floor)
    storefront = StorefrontFactory(management_mode=ManagementMode.BY_FUNCTION)

    order = confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0))
    assert order.team == desk_team
    order = order_transition(order=order, transition="start_picking", actor=None)
    assert order.team == floor_team


def test_by_function_takes_the_first_active_team_of_the_first_owning_department():
    Department.objects.create(name="Desk", code="desk", stages=["processing"])
    b_floor = Department.objects.create(name="B floor", code="b", stages=["picking"])
    a_floor = Department.objects.create(name="A floor", code="a", stages=["packing", "picking"])
    team("b-any", b_floor)
    team("a-closed", a_floor, name="A closed", is_active=False)
    a_open = team("a-open", a_floor, name="B open")
    team("a-later", a_floor, name="C later")
    storefront = StorefrontFactory(management_mode=ManagementMode.BY_FUNCTION)
    order = confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0))

    order = order_transition(order=order, transition="start_picking", actor=None)

    assert order.team == a_open
    assert team_id_for_stage("shipped") is None


def test_nothing_matching_falls_back_to_the_storefronts_default_team():
    fallback = team("everyone")
    storefront = StorefrontFactory(management_mode=ManagementMode.GEOGRAPHIC, default_team=fallback)

    assert confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0)).team == fallback


def test_an_inactive_team_gets_no_new_orders():
    closed = team("closed", is_active=False)
    storefront = StorefrontFactory(management_mode=ManagementMode.DIRECT)
    order = order_new(storefront=storefront)
    order.customer.account_team = closed
    order.customer.save()

    assert confirm_at(order, at(2026, 11, 16, 9, 0)).team is None


# -- who may work a team's order ------------------------------------------------------


def test_staff_in_teams_work_only_their_teams_orders_and_managers_any():
    mine, theirs = team("mine"), team("theirs")
    picker = user_with_role(WAREHOUSE)
    mine.members.add(picker)
    outsider = user_with_role(WAREHOUSE)  # in no team: not limited by team
    boss = user_with_role(MANAGER)
    mine.members.add(boss)  # a manager in another team still may
    order = order_in_state(OrderStatus.PROCESSING)
    order.team = theirs
    order.save(update_fields=["team"])

    with pytest.raises(TransitionPermissionDenied, match="belongs to team Theirs"):
        order_transition(order=order, transition="start_picking", actor=picker)
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    order_transition(order=order, transition="start_picking", actor=outsider)
    order = order_pick_everything(order)
    order_transition(order=order, transition="start_packing", actor=boss)


# -- the service-level watch ------------------------------------------------------------


def test_one_alert_per_breach_and_one_email_to_the_lead(mailoutbox):
    from django.contrib.auth import get_user_model

    from orders.models import SlaAlert
    from orders.tasks import sla_watch

    lead = get_user_model().objects.create_user("lead", email="lead@shop.example")
    floor = team("floor", lead=lead)
    storefront = StorefrontFactory(default_team=floor)
    order = confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0))
    due = order.stage_due_at  # processing: 13:00 (4 business hours)
    quiet = confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 12, 0))

    def watch(moment):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            sla_watch()

    watch(due - timedelta(hours=2))  # 50% used: nothing yet
    assert not SlaAlert.objects.exists()
    watch(due - timedelta(minutes=30))  # most of the time used: at risk
    watch(due - timedelta(minutes=20))  # again: still one alert
    watch(due + timedelta(minutes=1))  # overdue
    watch(due + timedelta(minutes=6))

    alerts = list(SlaAlert.objects.order_by("id").values_list("order_id", "stage", "kind"))
    assert alerts == [(order.pk, "processing", "at_risk"), (order.pk, "processing", "overdue")]
    assert [m.to for m in mailoutbox] == [["lead@shop.example"], ["lead@shop.example"]]
    assert "at risk" in mailoutbox[0].subject and order.number in mailoutbox[0].body
    assert mailoutbox[1].subject.startswith("1 overdue")
    assert quiet.number not in "".join(m.body for m in mailoutbox)

    # The next stage is a new clock and may breach again.
    with mock.patch("django.utils.timezone.now", return_value=due + timedelta(minutes=10)):
        order = order_transition(order=order, transition="start_picking", actor=None)
    watch(order.stage_due_at + timedelta(minutes=1))
    assert SlaAlert.objects.filter(order=order, stage="picking", kind="overdue").count() == 1


def test_the_badge_counts_open_breaches_of_the_users_teams_only():
    from orders.models import SlaAlert
    from orders.planning import sla_alerts_open, sla_breaches_record

    mine, theirs = team("mine"), team("theirs")
    picker = user_with_role(WAREHOUSE)
    mine.members.add(picker)
    boss = user_with_role(MANAGER)
    orders = []
    for owner in (mine, theirs):
        storefront = StorefrontFactory(default_team=owner)
        orders.append(confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0)))
    sla_breaches_record(now=at(2026, 11, 17, 9, 0))

    assert SlaAlert.objects.count() == 2
    assert [a.order_id for a in sla_alerts_open(picker)] == [orders[0].pk]
    assert sla_alerts_open(boss).count() == 2
    order_transition(order=orders[0], transition="start_picking", actor=None)
    assert sla_alerts_open(picker).count() == 0  # it moved on: no longer open


def test_a_manager_reassigns_an_order_and_the_history_says_so():
    from orders.services import order_team_reassign

    first, second = team("first"), team("second")
    order = order_in_state(OrderStatus.PROCESSING)
    order.team = first
    order.save(update_fields=["team"])
    version = order.version

    with pytest.raises(TransitionPermissionDenied):
        order_team_reassign(order=order, team=second, actor=user_with_role(WAREHOUSE))
    moved = order_team_reassign(order=order, team=second, actor=user_with_role(MANAGER))

    assert (moved.team, moved.version) == (second, version + 1)
    event = moved.events.latest("id")
    assert (event.note, event.customer_visible) == ("Moved from First to Second.", False)


def test_packing_and_booking_respect_teams_too():
    from fulfillment.services import package_create

    mine, theirs = team("mine"), team("theirs")
    packer = user_with_role(WAREHOUSE)
    mine.members.add(packer)
    order = order_in_state(OrderStatus.PACKING)
    order.team = theirs
    order.save(update_fields=["team"])

    with pytest.raises(TransitionPermissionDenied, match="belongs to team Theirs"):
        package_create(
            order=order, lines=[{"sku": "MUG-1", "quantity": 1}], weight_grams=500, actor=packer
        )
    assert not order.packages.exists()


def test_staff_in_no_team_see_every_teams_alerts():
    from orders.planning import sla_alerts_open, sla_breaches_record

    storefront = StorefrontFactory(default_team=team("floor"))
    confirm_at(order_new(storefront=storefront), at(2026, 11, 16, 9, 0))
    sla_breaches_record(now=at(2026, 11, 17, 9, 0))

    assert sla_alerts_open(user_with_role(WAREHOUSE)).count() == 1


@pytest.mark.parametrize(
    "language, due",
    [("en", "due 16 Nov 2026, 13:00 - "), ("vi", "15:07, 16/11/2026")],
)
def test_an_alert_line_writes_its_due_time_in_the_languages_format(language, due):
    from django.utils import translation

    from orders.models import SlaAlert
    from orders.planning import sla_alert_line

    floor = team("floor")
    order = order_new(storefront=StorefrontFactory(default_team=floor))
    alert = SlaAlert.objects.create(
        order=order,
        team=floor,
        stage="processing",
        kind="overdue",
        due_at=at(2026, 11, 16, 13, 0) if language == "en" else at(2026, 11, 16, 15, 7),
    )

    with translation.override(language):
        line = sla_alert_line(alert)

    assert due in line
    assert f"/dashboard/orders/{order.number}/" in line
    assert "2026-11-16" not in line
