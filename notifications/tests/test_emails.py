"""Customer e-mails: one per customer-visible step, branded, translated, overridable.

And their failures, as the admin shows and retries them.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from customers.preferences import preferences_token_read
from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind
from notifications.services import notification_record
from orders.links import tracking_token_read
from orders.models import CUSTOMER_STATUS_NAMES, OrderStatus, PaymentStatus
from orders.roles import CUSTOMER_CARE
from orders.services import order_transition
from orders.tests.factories import (
    StorefrontFactory,
    order_in_state,
    order_new,
    transition_prepare,
    user_with_role,
)

pytestmark = pytest.mark.django_db

ESSENTIAL = {
    NotificationKind.CANCELLED,
    NotificationKind.REFUND_ISSUED,
    NotificationKind.ORDER_EDITED,
}


def recorded(order, kind, context=None) -> Notification:
    with transaction.atomic():
        return notification_record(order=order, kind=kind, context=context)


def links(text: str, prefix: str) -> list[str]:
    """Return the tokens of the absolute links under `prefix` in `text` (signed tokens vary)."""
    base = re.escape(settings.PUBLIC_BASE_URL.rstrip("/") + prefix)
    return re.findall(base + r"([^/\s\"]+)/", text)


def tracked_orders(text: str) -> list[str]:
    tokens = links(text, "/track/")
    return [tracking_token_read(token) for token in tokens if token != "preferences"]


def preference_customers(text: str) -> list[int]:
    return [preferences_token_read(token) for token in links(text, "/track/preferences/")]


def built(notification: Notification):
    return notification_message_build(Notification.objects.get(pk=notification.pk))


# Each kind with what its body says beyond the common frame.
KIND_SENTENCES = {
    NotificationKind.ORDER_RECEIVED: "Thank you for your order {number}.",
    NotificationKind.ORDER_CONFIRMED: "your order {number} is confirmed",
    NotificationKind.SHIPPED: "Your order {number} is on its way.",
    NotificationKind.OUT_FOR_DELIVERY: "Your order {number} is out for delivery",
    NotificationKind.READY_FOR_PICKUP: "Your order {number} is waiting for you at a pickup point",
    NotificationKind.DELIVERED: "Your order {number} has been delivered.",
    NotificationKind.ON_HOLD: "Your order {number} is delayed.",
    NotificationKind.ORDER_RELEASED: "Good news: your order {number} is moving again.",
    NotificationKind.CANCELLED: "Your order {number} has been cancelled.",
    NotificationKind.AFTER_SALES_OPENED: "We have received your request #41 about order {number}.",
    NotificationKind.AFTER_SALES_RESOLVED: (
        "Your request #41 about order {number} has been resolved."
    ),
    NotificationKind.REFUND_ISSUED: "We have refunded ₫85,001 for your order {number}.",
    NotificationKind.ORDER_EDITED: "Your order {number} has been changed.",
    NotificationKind.CHANGE_REQUEST_DECIDED: (
        "We have changed the delivery address of your order {number}, as you asked."
    ),
}
CONTEXTS = {
    NotificationKind.ON_HOLD: {"hold_reason": "stock_shortage"},
    NotificationKind.OUT_FOR_DELIVERY: {"carrier": "Giao Hàng Nhanh", "tracking_number": "X1"},
    NotificationKind.READY_FOR_PICKUP: {
        "carrier": "Giao Hàng Nhanh",
        "tracking_number": "X1",
        "place": "GHN Bưu cục Quận 3, Hồ Chí Minh",
        "carrier_message": "Open 8:00-20:00",
    },
    NotificationKind.AFTER_SALES_OPENED: {"request": 41, "kind": "return"},
    NotificationKind.AFTER_SALES_RESOLVED: {
        "request": 41,
        "kind": "return",
        "resolution": "refund",
    },
    NotificationKind.REFUND_ISSUED: {"amount": "85001"},
    NotificationKind.ORDER_EDITED: {
        "changes": [{"what": "line", "name": "Mug", "from": "2", "to": "1"}],
        "total_before": "355001",
        "total_after": "235001",
        "money": "refund",
        "money_amount": "120000",
    },
    NotificationKind.CHANGE_REQUEST_DECIDED: {
        "request": 5,
        "kind": "address",
        "outcome": "approved",
        "address": "Trần Văn Minh, 45 Hai Bà Trưng, Hà Nội, VN",
    },
}


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_renders_text_and_html_with_branding_and_the_tracking_link(kind):
    storefront = StorefrontFactory(
        name="Trà Xanh", brand_color="#0a7f3f", support_email="help@traxanh.example"
    )
    order = order_new(storefront=storefront)
    notification = recorded(order, kind, CONTEXTS.get(kind))

    message = built(notification)
    [(html, _)] = message.alternatives

    sentence = KIND_SENTENCES[kind].format(number=order.number)
    assert message.subject == f"Trà Xanh: {kind.label} (Order {order.number})"
    assert message.to == ["lan@example.com"]
    assert message.reply_to == ["help@traxanh.example"]
    assert sentence in message.body
    assert sentence in html
    assert "Track your order: http://127.0.0.1:8000/track/" in message.body
    assert tracked_orders(message.body) == [order.number]
    assert tracked_orders(html) == [order.number]
    assert "background: #0a7f3f;" in html
    assert "help@traxanh.example" in message.body
    assert 'href="mailto:help@traxanh.example"' in html
    assert message.body.startswith("Trà Xanh\n\nHello Nguyễn Thị Lan,\n\n")


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_only_non_essential_mails_carry_the_opt_out_link_and_list_unsubscribe(kind):
    order = order_new()
    message = built(recorded(order, kind, CONTEXTS.get(kind)))
    [(html, _)] = message.alternatives
    customer = order.customer.pk

    if kind in ESSENTIAL:
        assert preference_customers(message.body) == []
        assert preference_customers(html) == []
        assert "List-Unsubscribe" not in message.extra_headers
        assert "even if you turned off other e-mails" in message.body
    else:
        assert "Turn off e-mails about your order's progress: http://" in message.body
        assert preference_customers(message.body) == [customer]
        assert preference_customers(html) == [customer]
        header = message.extra_headers["List-Unsubscribe"]
        assert header.startswith("<") and header.endswith(">")
        assert preference_customers(header) == [customer]


def test_shipped_lists_each_final_leg_with_its_carrier_tracking_link():
    order = order_in_state(OrderStatus.SHIPPED)
    notification = order.notifications.get(kind=NotificationKind.SHIPPED)
    number = f"GHN{order.pk:08d}"

    message = built(notification)
    [(html, _)] = message.alternatives

    expected = f"- Giao Hàng Nhanh, tracking number {number}: https://track.example/{number}\n"
    assert expected in message.body
    assert f'<a href="https://track.example/{number}">{number}</a>' in html


def test_on_hold_gives_the_friendly_reason_and_never_the_internal_note():
    order = order_in_state(OrderStatus.PICKING)
    order_transition(
        order=order, transition="hold", actor=None, reason="stock_shortage", note="Shelf B3 empty"
    )
    notification = order.notifications.get(kind=NotificationKind.ON_HOLD)

    message = built(notification)
    [(html, _)] = message.alternatives

    assert "Reason: An item is temporarily out of stock\n" in message.body
    assert "An item is temporarily out of stock" in html
    assert "Shelf B3" not in message.body + html


def test_an_unknown_hold_reason_is_replaced_by_the_general_one():
    order = order_new()
    message = built(recorded(order, NotificationKind.ON_HOLD, {"hold_reason": "supplier X late"}))

    assert "Reason: The order needs attention from our team\n" in message.body
    assert "supplier X" not in message.body


def test_a_cancelled_paid_order_says_the_money_goes_back():
    order = order_new(payment_method="card", payment_status=PaymentStatus.PAID)
    order = order_transition(order=order, transition="cancel", actor=None, reason="Out of stock")
    notification = order.notifications.get(kind=NotificationKind.CANCELLED)

    body = built(notification).body

    assert "The money you paid is being refunded; a separate e-mail confirms the refund." in body
    assert "Out of stock" not in body


def test_a_cancelled_unpaid_order_says_nothing_was_charged():
    order = order_in_state(OrderStatus.CANCELLED)
    notification = order.notifications.get(kind=NotificationKind.CANCELLED)

    assert "You have not been charged for this order." in built(notification).body


def test_a_vietnamese_customer_reads_the_mail_in_vietnamese():
    order = order_in_state(OrderStatus.SHIPPED)
    order.customer.language = "vi"
    order.customer.save()
    on_hold = recorded(order, NotificationKind.ON_HOLD, {"hold_reason": "stock_shortage"})

    received = built(order.notifications.get(kind=NotificationKind.ORDER_RECEIVED))
    delayed = built(on_hold)
    [(html, _)] = delayed.alternatives

    name = order.storefront.name
    assert received.subject == f"{name}: Đã nhận đơn hàng (Đơn hàng {order.number})"
    # The status each message reports, as the customer reads it: the order was
    # received when the first was written, on its way when the second was.
    assert f"\nĐơn hàng {order.number}: Đã nhận đơn hàng\n" in received.body
    assert f"\nĐơn hàng {order.number}: Đang trên đường giao\n" in delayed.body
    assert "Một sản phẩm tạm thời hết hàng" in delayed.body
    assert "Một sản phẩm tạm thời hết hàng" in html
    assert '<html lang="vi">' in html


def test_a_storefront_template_overrides_the_default(settings, tmp_path):
    storefront = StorefrontFactory(code="tra-xanh", name="Trà Xanh")
    folder = tmp_path / "customers" / "emails" / "tra-xanh"
    folder.mkdir(parents=True)
    (folder / "order_received.txt").write_text("Custom {{ order.number }}: {{ tracking_url }}")
    (folder / "order_received.subject.txt").write_text("Custom subject {{ order.number }}")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path, *engine["DIRS"]]}]
    order = order_new(storefront=storefront)
    other = order_new()

    message = built(order.notifications.get(kind=NotificationKind.ORDER_RECEIVED))
    [(html, _)] = message.alternatives
    default = built(other.notifications.get(kind=NotificationKind.ORDER_RECEIVED))

    assert message.subject == f"Custom subject {order.number}"
    assert message.body.startswith(f"Custom {order.number}: http://127.0.0.1:8000/track/")
    assert tracked_orders(message.body) == [order.number]
    assert f"Thank you for your order {order.number}." in html  # no HTML override: default
    assert default.body.startswith(f"{other.storefront.name}\n\nHello")


def test_plain_text_is_not_html_escaped():
    storefront = StorefrontFactory(name="Tom & Jerry's")
    order = order_new(storefront=storefront)

    message = built(order.notifications.get(kind=NotificationKind.ORDER_RECEIVED))
    [(html, _)] = message.alternatives

    assert message.subject.startswith("Tom & Jerry's: Order")
    assert message.body.startswith("Tom & Jerry's\n")
    assert "Tom &amp; Jerry&#x27;s" in html


# Failures are visible in the admin and can be retried there.


def failed(order, kind=NotificationKind.ORDER_CONFIRMED) -> Notification:
    notification = recorded(order, kind)
    Notification.objects.filter(pk=notification.pk).update(
        status="failed", attempts=8, last_error="SMTPServerDisconnected: gone"
    )
    return notification


def test_the_admin_lists_failed_notifications_with_their_error(client, django_user_model):
    order = order_new()
    failed(order)
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))

    page = client.get(reverse("admin:notifications_notification_changelist"), {"status": "failed"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "SMTPServerDisconnected: gone" in html
    assert "Retry selected notifications" in html
    assert reverse("admin:notifications_notification_add") not in html


def test_the_admin_retry_action_puts_failed_rows_back_in_the_queue(client, django_user_model):
    order = order_new()
    retry = failed(order)
    sent = recorded(order, NotificationKind.DELIVERED)
    Notification.objects.filter(pk=sent.pk).update(status="sent")
    client.force_login(django_user_model.objects.create_superuser("boss", "b@x.example", "pw"))

    response = client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "retry_notifications", "_selected_action": [retry.pk, sent.pk]},
        follow=True,
    )

    retry.refresh_from_db()
    sent.refresh_from_db()
    assert (retry.status, retry.attempts, retry.last_error) == ("pending", 0, "")
    assert sent.status == "sent"
    assert [str(message) for message in response.context["messages"]] == [
        "1 notification queued for sending again.",
        "1 notification left alone: already sent, skipped or being sent.",
    ]


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_staff_without_the_change_permission_cannot_retry(client):
    order = order_new()
    notification = failed(order)
    # In a role, or the admin would not let them in at all.
    viewer = user_with_role(CUSTOMER_CARE, username="viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)

    page = client.get(reverse("admin:notifications_notification_changelist"))
    client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "retry_notifications", "_selected_action": [notification.pk]},
    )

    assert page.status_code == 200
    assert "Retry selected notifications" not in page.content.decode()
    assert Notification.objects.get(pk=notification.pk).status == "failed"


# -- what each e-mail reports: the event, not the order as it is when sent -------------


def test_a_shipped_email_sent_after_delivery_still_reports_the_shipment():
    order = order_in_state(OrderStatus.SHIPPED)
    shipped = order.notifications.get(kind=NotificationKind.SHIPPED)
    number = f"GHN{order.pk:08d}"
    order = order_transition(order=order, transition="deliver", actor=None)
    # The parcel's rows change after the e-mail was written, too.
    order.shipments.update(tracking_number="CHANGED-LATER")

    message = built(shipped)
    [(html, _)] = message.alternatives

    assert message.subject.endswith(f"Order shipped (Order {order.number})")
    assert f"\nOrder {order.number}: On its way\n" in message.body
    assert f"Order {order.number}: On its way</p>" in html
    assert "Delivered" not in message.body and "Delivered" not in html
    assert f"tracking number {number}: https://track.example/{number}" in message.body
    assert "CHANGED-LATER" not in message.body


def test_a_cancellation_email_tells_what_happened_to_the_money_then():
    order = order_new(payment_method="card", payment_status="authorized")
    order = order_transition(order=order, transition="cancel", actor=None, reason="no stock")
    cancelled = order.notifications.get(kind=NotificationKind.CANCELLED)

    message = built(cancelled)

    assert "The payment reserved on your card has been released" in message.body
    assert f"Order {order.number}: Cancelled" in message.body


def test_releasing_a_hold_sends_the_moving_again_email_the_hold_email_promised():
    order = order_in_state(OrderStatus.PACKING)
    order.customer.language = "vi"
    order.customer.save()
    order = order_transition(order=order, transition="hold", actor=None, reason="address_check")
    order = order_transition(order=order, transition="release", actor=None)
    order = transition_prepare(order, "mark_ready_to_ship")
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)

    held = built(order.notifications.get(kind=NotificationKind.ON_HOLD))
    released = built(order.notifications.get(kind=NotificationKind.ORDER_RELEASED))

    with translation.override("vi"):
        promise = gettext("We are working on it and will e-mail you as soon as it moves again.")
        moving = gettext("Good news: your order %(number)s is moving again.") % {
            "number": order.number
        }
        packing = str(CUSTOMER_STATUS_NAMES[OrderStatus.PACKING])
    assert promise in held.body
    assert moving in released.body and moving != (
        f"Good news: your order {order.number} is moving again."
    )
    # Back where it was held from, as it was when released (it moved on since).
    assert f"{order.number}: {packing}\n" in released.body
    assert released.subject.startswith(f"{order.storefront.name}: ")
