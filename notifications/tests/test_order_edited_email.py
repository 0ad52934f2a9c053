"""The "your order was changed" e-mail: one per edit, changes and money in the customer's words.

Every edit here goes through the edit service, so the e-mail states the money
the service moved (its refund, a balance due), not a guess of it.
"""

from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind, NotificationStatus
from orders.models import Order, PaymentMethod, PaymentStatus
from orders.roles import CUSTOMER_CARE
from orders.services import order_transition
from orders.services.edits import order_cancel_lines, order_edit
from orders.tests.factories import order_new, user_with_role

pytestmark = pytest.mark.django_db


def edited(order: Order, *, quantities=None, address=None, customer=None, kind="edit") -> Order:
    """Edit `order` through the edit service as its storefront would; return it as it is now.

    `quantities` are the lines' new quantities ("edit") or what to cancel of each
    ("partial_cancel"); the service moves the money (a refund, a balance due).
    """
    reason = "Customer called; shelf B3 checked"
    lines = [{"sku": sku, "quantity": quantity} for sku, quantity in (quantities or {}).items()]
    if kind == "partial_cancel":
        order_cancel_lines(order=order, actor=None, reason=reason, lines=lines)
    else:
        order_edit(
            order=order,
            actor=None,
            reason=reason,
            lines=lines or None,
            shipping_address=address,
            customer=customer,
        )
    return Order.objects.get(pk=order.pk)


# The factories' address (orders.tests.factories), as the edit service takes it whole.
ADDRESS = {
    "name": "Nguyễn Thị Lan",
    "line1": "12 Lê Lợi",
    "line2": "",
    "city": "TP. Hồ Chí Minh",
    "postal_code": "700000",
    "country": "VN",
}


def mails_of(order: Order) -> list[Notification]:
    return list(order.notifications.exclude(kind=NotificationKind.ORDER_RECEIVED).order_by("pk"))


def built(notification: Notification):
    return notification_message_build(Notification.objects.get(pk=notification.pk))


def paid_order() -> Order:
    return order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)


def test_lowering_a_quantity_on_a_paid_order_sends_one_mail_with_the_change_and_the_refund():
    order = paid_order()  # Mug 2 x ₫120,000, Tea ₫85,001, shipping ₫30,000

    order = edited(order, quantities={"MUG-1": 1})

    [mail] = mails_of(order)  # no separate "refund issued" e-mail
    assert (mail.kind, mail.status) == (NotificationKind.ORDER_EDITED, NotificationStatus.PENDING)
    assert order.amount_refunded == Decimal("120000.00")
    message = built(mail)
    [(html, _)] = message.alternatives
    assert message.subject == f"{order.storefront.name}: Order changed (Order {order.number})"
    body = message.body
    assert f"Your order {order.number} has been changed.\n" in body
    assert "What changed:\n- Mug: 2 → 1\n" in body
    assert "New total: ₫235,001 (was ₫355,001).\n" in body
    assert "We are refunding ₫120,000 to you." in body
    assert "<li>Mug: 2 → 1</li>" in html
    assert "We are refunding ₫120,000 to you." in html
    # The reason and anything else staff wrote stay on the dashboard.
    assert "Customer called" not in body + html
    assert "shelf B3" not in body + html


def test_a_vietnamese_customer_reads_the_change_in_vietnamese():
    order = paid_order()
    order.customer.language = "vi"
    order.customer.save()

    order = edited(order, quantities={"MUG-1": 1})

    [mail] = mails_of(order)
    message = built(mail)
    with translation.override("vi"):
        changed = gettext("Your order %(number)s has been changed.") % {"number": order.number}
        row = gettext("%(name)s: %(before)s → %(after)s") % {
            "name": "Mug",
            "before": "2",
            "after": "1",
        }
        label = gettext("Order changed")
    assert changed != f"Your order {order.number} has been changed."
    assert label != "Order changed"
    assert changed in message.body
    assert f"- {row}\n" in message.body
    assert message.subject == f"{order.storefront.name}: {label} (Đơn hàng {order.number})"
    assert "Tổng mới: 235.001\xa0₫ (trước đây 355.001\xa0₫)." in message.body
    assert "120.000\xa0₫" in message.body
    assert "Your order" not in message.body


def test_removing_a_line_and_changing_the_address_on_cash_on_delivery():
    order = order_new()  # cash on delivery, unpaid

    order = edited(order, quantities={"TEA-7": 0}, address={**ADDRESS, "line1": "5 Nguyễn Huệ"})

    [mail] = mails_of(order)
    body = built(mail).body
    assert "- Tea: removed (was 1)\n" in body
    assert (
        "- New delivery address: Nguyễn Thị Lan, 5 Nguyễn Huệ, 700000 TP. Hồ Chí Minh, VN\n" in body
    )
    assert "New total: ₫270,000 (was ₫355,001).\n" in body
    assert "You pay the new total, ₫270,000, on delivery." in body


def test_an_address_only_edit_says_nothing_about_money():
    order = order_new()

    order = edited(
        order, address={**ADDRESS, "line1": "5 Nguyễn Huệ"}, customer={"phone": "+84909999999"}
    )

    body = built(mails_of(order)[0]).body
    assert "- Phone: +84901234567 → +84909999999\n" in body
    assert "New total" not in body
    assert "pay" not in body.split("What changed:")[1].split("Order ")[0]


def test_a_higher_total_on_a_paid_order_states_the_balance_to_pay():
    order = paid_order()

    order = edited(order, quantities={"MUG-1": 3})

    body = built(mails_of(order)[0]).body
    assert "- Mug: 2 → 3\n" in body
    assert "₫120,000 is still to pay for the new total." in body


def test_a_partial_cancellation_says_some_items_were_cancelled():
    order = paid_order()

    order = edited(order, quantities={"MUG-1": 1}, kind="partial_cancel")

    [mail] = mails_of(order)
    body = built(mail).body
    assert f"Some items of your order {order.number} have been cancelled.\n" in body
    assert "We are refunding ₫120,000 to you." in body


def test_a_customer_who_turned_off_progress_mails_still_gets_the_change():
    order = paid_order()
    order.customer.marketing_opt_out_at = timezone.now()
    order.customer.save()

    order = edited(order, quantities={"MUG-1": 1})

    [mail] = mails_of(order)
    assert mail.status == NotificationStatus.PENDING
    assert "even if you turned off other e-mails" in built(mail).body


def test_a_refund_outside_an_edit_still_gets_its_own_mail():
    order = paid_order()
    edited(order, quantities={"MUG-1": 1})

    order_transition(order=order, transition="refund_payment", actor=None, amount=Decimal("1000"))

    assert [mail.kind for mail in mails_of(order)] == [
        NotificationKind.ORDER_EDITED,
        NotificationKind.REFUND_ISSUED,
    ]


def test_an_edit_through_the_edit_service_sends_exactly_one_mail_in_vietnamese():
    order = paid_order()
    order.customer.language = "vi"
    order.customer.save()
    care = user_with_role(CUSTOMER_CARE)

    result = order_edit(
        order=order,
        actor=care,
        reason="Khách gọi điện",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        expected_version=order.version,
    )

    [mail] = mails_of(order)  # the refund is told in it, not in a mail of its own
    assert mail.kind == NotificationKind.ORDER_EDITED
    assert result.refunded == Decimal("120000.00")
    body = built(mail).body
    with translation.override("vi"):
        changed = gettext("Your order %(number)s has been changed.") % {"number": order.number}
        refund = gettext(
            "We are refunding %(amount)s to you. Depending on your bank, it can take a few "
            "days before you see it."
        ) % {"amount": "120.000\xa0₫"}
    assert changed in body
    assert "- Mug: 2 → 1\n" in body
    assert refund in body
    assert "Khách gọi điện" not in body


@pytest.mark.parametrize(
    ("method", "status", "sentence"),
    [
        ("card", "authorized", "Your card will be charged the new total, ₫475,001."),
        ("cod", "unpaid", "You pay the new total, ₫475,001, on delivery."),
        ("invoice", "unpaid", "The new total to pay is ₫475,001."),
        ("card", "paid", "₫120,000 is still to pay for the new total."),
    ],
)
def test_a_higher_total_says_what_the_customer_pays_now(method, status, sentence):
    order = order_new(payment_method=method, payment_status=status)

    order_edit(
        order=order,
        actor=user_with_role(CUSTOMER_CARE),
        reason="One more mug",
        lines=[{"sku": "MUG-1", "quantity": 3}],
    )

    [mail] = mails_of(order)
    body = built(mail).body
    assert "- Mug: 2 → 3\n" in body
    assert "New total: ₫475,001 (was ₫355,001).\n" in body
    assert sentence in body


def test_a_line_removed_through_the_edit_service_is_named_not_its_sku():
    order = order_new()  # cash on delivery: no refund mail to fold in

    order_edit(
        order=order,
        actor=user_with_role(CUSTOMER_CARE),
        reason="Out of tea",
        lines=[{"sku": "TEA-7", "quantity": 0}],
    )

    [mail] = mails_of(order)
    body = built(mail).body
    assert "- Tea: removed (was 1)\n" in body
    assert "TEA-7" not in body


def test_lowering_what_an_edit_added_on_a_paid_order_refunds_nothing_and_says_so():
    order = paid_order()
    order = edited(order, quantities={"MUG-1": 3})  # ₫120,000 now due

    order = edited(order, quantities={"MUG-1": 2})  # due again nothing; nothing was paid for it

    assert (order.amount_refunded, order.balance_due) == (Decimal("0.00"), Decimal("0.00"))
    last = built(mails_of(order)[-1]).body
    assert "refunding" not in last
    assert "still to pay" not in last


def test_a_refund_by_hand_while_an_edit_mail_waits_gets_its_own_mail():
    order = paid_order()
    edited(order, quantities={"MUG-1": 3})  # a balance due, no refund: its mail waits

    order_transition(order=order, transition="refund_payment", actor=None, amount=Decimal("1000"))

    mails = mails_of(order)
    assert [mail.kind for mail in mails] == [
        NotificationKind.ORDER_EDITED,
        NotificationKind.REFUND_ISSUED,
    ]
    assert "refunding" not in built(mails[0]).body
