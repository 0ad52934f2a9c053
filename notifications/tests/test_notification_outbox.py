"""The notification outbox: written with the change, sent once, retried, swept, opted out."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.delivery import notification_send_now, notifications_due
from notifications.models import Notification, NotificationStatus
from orders.models import OrderStatus
from orders.services import order_transition, transitions
from orders.tests.factories import order_in_state, order_new
from shared.tests.broker import producer_use

pytestmark = pytest.mark.django_db


def kinds(order) -> list[str]:
    return list(order.notifications.order_by("id").values_list("kind", flat=True))


def test_each_customer_visible_step_records_its_email_with_the_change():
    order = order_new(payment_method="card", payment_status="paid")
    for transition, reason in [("confirm", ""), ("start_picking", ""), ("hold", "stock_shortage")]:
        order = order_transition(order=order, transition=transition, actor=None, reason=reason)
    order = order_transition(order=order, transition="release", actor=None)
    order = order_transition(order=order, transition="cancel", actor=None, reason="No stock")

    # Picking is an internal step; the hold e-mail promised the release's; the refund
    # comes with the cancellation.
    assert kinds(order) == [
        "order_received",
        "order_confirmed",
        "on_hold",
        "order_released",
        "cancelled",
        "refund_issued",
    ]
    # Each keeps what it reports as it was then: the status reached, the payment.
    on_hold = order.notifications.get(kind="on_hold")
    assert on_hold.context == {
        "from_status": "picking",
        "hold_reason": "stock_shortage",
        "status": "on_hold",
        "payment_status": "paid",
    }
    assert order.notifications.get(kind="order_released").context == {
        "from_status": "on_hold",
        "status": "picking",
        "payment_status": "paid",
    }
    assert order.notifications.get(kind="refund_issued").context == {
        "amount": "355001.00",
        "status": "cancelled",
        "payment_status": "refunded",
    }


def test_a_rolled_back_change_leaves_no_email(monkeypatch):
    order = order_new()

    def fail(events):
        raise RuntimeError("crash after every write")

    monkeypatch.setattr(transitions, "_side_effects_register", fail)
    with pytest.raises(RuntimeError):
        order_transition(order=order, transition="confirm", actor=None)

    assert kinds(order) == ["order_received"]


def test_a_notification_is_sent_once_even_when_its_task_runs_twice():
    order = order_new()
    notification = order.notifications.get()

    first = notification_send_now(notification.pk)
    second = notification_send_now(notification.pk)

    assert (first.status, second) == (NotificationStatus.SENT, None)
    assert [message.to for message in mail.outbox] == [["lan@example.com"]]
    assert mail.outbox[0].extra_headers["X-Notification-Id"] == str(notification.pk)


def test_a_leased_notification_is_left_to_the_worker_holding_it():
    order = order_new()
    notification = order.notifications.get()
    Notification.objects.filter(pk=notification.pk).update(
        lease_until=timezone.now() + timedelta(seconds=60)
    )

    assert notification_send_now(notification.pk) is None
    assert mail.outbox == []


def test_failures_stay_pending_with_the_error_then_end_failed(monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    order = order_new()
    notification = order.notifications.get()

    first = notification_send_now(notification.pk)
    second = notification_send_now(notification.pk)

    assert (first.status, first.attempts, first.lease_until) == ("pending", 1, None)
    assert first.last_error.startswith("ConnectionRefusedError")
    assert (second.status, second.attempts) == ("failed", 2)
    assert notification_send_now(notification.pk) is None


def test_the_sweeper_picks_only_old_pending_rows_with_a_free_lease(settings):
    settings.NOTIFICATION_RESEND_AFTER_SECONDS = 180
    order = order_new()
    fresh = order.notifications.get()
    old, leased, sent = (
        Notification.objects.create(order=order, customer=order.customer, kind=kind)
        for kind in ("order_confirmed", "shipped", "delivered")
    )
    long_ago = timezone.now() - timedelta(minutes=10)
    Notification.objects.filter(pk__in=[old.pk, leased.pk, sent.pk]).update(created_at=long_ago)
    Notification.objects.filter(pk=leased.pk).update(
        lease_until=timezone.now() + timedelta(minutes=1)
    )
    Notification.objects.filter(pk=sent.pk).update(status=NotificationStatus.SENT)

    assert notifications_due() == [old.pk]
    assert fresh.pk not in notifications_due()


def test_an_opted_out_customer_still_gets_essential_emails_only():
    order = order_in_state(OrderStatus.PROCESSING)
    order.customer.marketing_opt_out_at = timezone.now()
    order.customer.save()

    order_transition(order=order, transition="hold", actor=None, reason="address_check")
    order = order_transition(order=order, transition="release", actor=None)
    order_transition(order=order, transition="cancel", actor=None, reason="Customer asked")

    statuses = dict(order.notifications.values_list("kind", "status"))
    assert statuses["on_hold"] == NotificationStatus.SKIPPED
    assert statuses["cancelled"] == NotificationStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_transition_succeeds_while_the_broker_is_unreachable():
    from orders_project.celery import app
    from shared.outbox import enqueued_soon_flush

    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    producer_use("redis://127.0.0.1:1/0")
    try:
        order = order_new()
        order = order_transition(order=order, transition="confirm", actor=None)
        assert enqueued_soon_flush(timeout=30)
    finally:
        app.conf.task_always_eager = eager
        producer_use(broker)

    assert order.status == OrderStatus.PROCESSING
    assert list(order.notifications.order_by("id").values_list("kind", "status")) == [
        ("order_received", "pending"),
        ("order_confirmed", "pending"),
    ]


def test_an_opt_out_after_queuing_is_respected_when_sending():
    order = order_new()
    notification = order.notifications.get()
    order.customer.marketing_opt_out_at = timezone.now()
    order.customer.save()

    result = notification_send_now(notification.pk)

    assert result.status == NotificationStatus.SKIPPED
    assert mail.outbox == []
