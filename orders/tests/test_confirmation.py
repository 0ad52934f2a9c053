"""Received orders: the confirmation's service-level clock, and storefronts that confirm paid
orders themselves."""

from datetime import datetime
from decimal import Decimal
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest

from notifications.models import Notification
from orders.models import Holiday, Order, OrderStatus, PaymentStatus, SlaAlert, SlaAlertKind
from orders.planning import confirmation_clocks_fill, orders_overdue_q, sla_breaches_record
from orders.roles import FINANCE
from orders.services import order_transition
from orders.services.transitions import AUTO_CONFIRM_NOTE
from shared.errors import InvalidTransition

from .factories import StorefrontFactory, order_new, user_with_role
from .test_planning import team as team_create

pytestmark = pytest.mark.django_db
SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SAIGON)


def placed_at(moment: datetime, **kwargs) -> Order:
    with patch("django.utils.timezone.now", return_value=moment):
        return order_new(**kwargs)


# -- the confirmation clock -----------------------------------------------------------


def test_a_new_order_is_due_to_be_confirmed_within_its_storefronts_business_hours():
    shop = StorefrontFactory(confirm_within_hours=Decimal("3"))
    Holiday.objects.create(date=local(23, 0).date(), name="Closed Monday")

    # Friday 16:00: one hour on Friday, Monday is a holiday, two hours on Tuesday.
    order = placed_at(local(20, 16), storefront=shop)

    stored = Order.objects.get(pk=order.pk)
    assert stored.status == OrderStatus.RECEIVED
    assert stored.stage_started_at == local(20, 16)
    assert stored.stage_due_at == local(24, 10)
    assert datetime.fromisoformat(stored.stage_deadlines["received"]) == local(24, 10)
    assert list(stored.stage_deadlines) == ["received"]
    # At risk once 75% of the (wall-clock) time is used, as the other stages.
    assert local(20, 16) < stored.stage_at_risk_at < stored.stage_due_at


def test_confirming_keeps_the_confirmation_due_time_and_starts_the_next_clock():
    order = placed_at(local(16, 8))  # Monday 08:00: to confirm by 10:00

    order = order_transition(order=order, transition="confirm", actor=None)

    stored = Order.objects.get(pk=order.pk)
    assert datetime.fromisoformat(stored.stage_deadlines["received"]) == local(16, 10)
    assert stored.stage_due_at == datetime.fromisoformat(stored.stage_deadlines["processing"])


def test_an_order_left_unconfirmed_raises_one_alert_for_its_storefronts_default_team():
    team = team_create("desk")
    shop = StorefrontFactory(default_team=team)
    late = placed_at(local(16, 8), storefront=shop)  # due Monday 10:00
    on_time = placed_at(local(16, 9), storefront=shop)  # due 11:00, at risk from 10:30

    raised = sla_breaches_record(now=local(16, 10, 30))

    assert raised == 2  # late is overdue; on_time is at risk (75% of its time used)
    alerts = {
        (alert.order_id, alert.stage, alert.kind, alert.team_id) for alert in SlaAlert.objects.all()
    }
    assert (late.pk, "received", SlaAlertKind.OVERDUE, team.pk) in alerts
    assert (on_time.pk, "received", SlaAlertKind.AT_RISK, team.pk) in alerts
    assert sla_breaches_record(now=local(16, 10, 30)) == 0  # once per breach


def test_a_confirmed_order_raises_no_confirmation_alert():
    order = placed_at(local(16, 8))
    order_transition(order=order, transition="confirm", actor=None)

    sla_breaches_record(now=local(16, 10, 30))

    assert not SlaAlert.objects.filter(stage="received").exists()


def test_an_order_received_before_the_clock_existed_gets_it_from_the_watch_and_goes_overdue():
    team = team_create("desk")
    shop = StorefrontFactory(default_team=team, confirm_within_hours=Decimal("3"))
    # Friday 16:00, as before the upgrade: no clock at all.
    old = placed_at(local(20, 16), storefront=shop)
    Order.objects.filter(pk=old.pk).update(
        stage_deadlines={}, stage_started_at=None, stage_due_at=None, stage_at_risk_at=None
    )
    assert not Order.objects.filter(orders_overdue_q(local(24, 12))).exists()

    raised = sla_breaches_record(now=local(24, 12))  # Tuesday noon: past due

    stored = Order.objects.get(pk=old.pk)
    # Business hours from placed_at: 1h Friday, 2h Monday -> Monday 10:00.
    assert stored.stage_due_at == local(23, 10)
    assert datetime.fromisoformat(stored.stage_deadlines["received"]) == local(23, 10)
    assert stored.stage_started_at == local(20, 16)
    assert stored.version == old.version
    assert raised == 1
    assert SlaAlert.objects.filter(
        order=old, stage="received", kind=SlaAlertKind.OVERDUE, team=team
    ).exists()
    assert list(Order.objects.filter(orders_overdue_q(local(24, 12)))) == [stored]
    assert confirmation_clocks_fill() == 0  # once only


def test_the_watch_leaves_confirmed_and_clocked_orders_alone():
    clocked = placed_at(local(16, 8))
    confirmed = order_transition(order=placed_at(local(16, 8)), transition="confirm", actor=None)
    before = {o.pk: o.stage_due_at for o in Order.objects.all()}

    assert confirmation_clocks_fill() == 0

    assert {o.pk: o.stage_due_at for o in Order.objects.all()} == before
    assert clocked.pk in before and confirmed.pk in before


# -- confirming paid orders automatically ------------------------------------------------


@pytest.mark.parametrize(
    ("payment_method", "payment_status", "confirmed"),
    [
        ("card", "paid", True),
        ("card", "authorized", True),
        ("cod", "unpaid", True),
        ("card", "unpaid", False),  # not paid yet: waits for its payment
        ("invoice", "unpaid", False),  # invoices are checked by a person
    ],
)
def test_a_storefront_that_confirms_paid_orders_confirms_them_as_they_are_created(
    payment_method, payment_status, confirmed
):
    shop = StorefrontFactory(auto_confirm_paid=True)

    order = order_new(storefront=shop, payment_method=payment_method, payment_status=payment_status)

    stored = Order.objects.get(pk=order.pk)
    assert order.status == stored.status
    history = list(stored.events.values_list("event_type", "transition", "actor", "note"))
    if confirmed:
        assert stored.status == OrderStatus.PROCESSING
        assert stored.confirmed_at is not None and stored.stage_deadlines["processing"]
        assert history == [
            ("created", "", None, ""),
            ("status_changed", "confirm", None, AUTO_CONFIRM_NOTE),
        ]
        kinds = list(Notification.objects.filter(order=stored).values_list("kind", flat=True))
        assert sorted(kinds) == ["order_confirmed", "order_received"]
    else:
        assert stored.status == OrderStatus.RECEIVED
        assert history == [("created", "", None, "")]


def test_a_storefront_without_the_setting_confirms_nothing_itself():
    order = order_new(storefront=StorefrontFactory(), payment_method="card", payment_status="paid")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.RECEIVED


@pytest.mark.parametrize("transition", ["authorize_payment", "capture_payment"])
def test_an_order_confirms_itself_when_its_payment_is_secured(transition):
    shop = StorefrontFactory(auto_confirm_paid=True)
    order = order_new(storefront=shop, payment_method="card")
    assert order.status == OrderStatus.RECEIVED

    order = order_transition(order=order, transition=transition, actor=user_with_role(FINANCE))

    stored = Order.objects.get(pk=order.pk)
    assert (order.status, stored.status) == (OrderStatus.PROCESSING, OrderStatus.PROCESSING)
    assert stored.version == order.version == 3  # created, paid, confirmed
    payment_row, confirm_row = stored.events.order_by("-id")[:2][::-1]
    assert payment_row.transition == transition and payment_row.actor is not None
    # The person recorded the payment; the system confirmed (and may, whatever their role).
    assert (confirm_row.transition, confirm_row.actor) == ("confirm", None)


def test_a_refused_payment_change_confirms_nothing():
    shop = StorefrontFactory(auto_confirm_paid=True)
    order = order_new(storefront=shop, payment_method="card")
    order = order_transition(order=order, transition="cancel", actor=None, reason="duplicate")

    with pytest.raises(InvalidTransition):
        order_transition(order=order, transition="authorize_payment", actor=None)

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.payment_status) == (OrderStatus.CANCELLED, PaymentStatus.UNPAID)
    assert not stored.events.filter(transition="confirm").exists()


def test_a_later_payment_of_a_confirmed_order_changes_nothing_else():
    shop = StorefrontFactory(auto_confirm_paid=True)
    order = order_new(storefront=shop, payment_method="cod")
    assert order.status == OrderStatus.PROCESSING

    order = order_transition(order=order, transition="capture_payment", actor=None)

    assert order.status == OrderStatus.PROCESSING
    assert order.events.filter(transition="confirm").count() == 1
