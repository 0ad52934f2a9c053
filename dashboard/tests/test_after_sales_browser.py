"""End to end in Debian's Chromium: a return opened by staff, a refund proposed by care,
approved by finance, and the customer's e-mails in the order things happened.

Everything is plain forms and links (the request page's buttons use htmx when
it is there); the e-mails are Django's test outbox, filled by the notification
tasks run in this process.
"""

from pathlib import Path

import pytest
from django.core import mail

from fulfillment.models import AfterSalesRequest, RefundProposal, RefundProposalStatus
from orders.models import Order, OrderStatus, PaymentStatus
from orders.roles import CUSTOMER_CARE, FINANCE
from orders.tests.factories import order_in_state, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/dashboard/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/dashboard/board/")


@pytest.mark.usefixtures("tasks_in_process")
@pytest.mark.django_db(transaction=True)
def test_staff_open_a_return_care_proposes_a_refund_finance_approves_and_the_customer_hears(
    live_server, page
):
    base = live_server.url
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    user_with_role(FINANCE, username="finance", password="finance-pass-123")
    order = order_in_state(OrderStatus.DELIVERED, payment_method="card", payment_status="paid")
    mail.outbox.clear()

    # Customer care opens the return from the order page: no bare transition button.
    log_in(page, base, "care", "care-pass-123")
    page.goto(f"{base}/dashboard/orders/{order.number}/")
    assert page.locator('[data-transition="open_after_sales"]').count() == 0
    page.get_by_role("link", name="Open an after-sales request").click()
    page.wait_for_url(f"{base}/dashboard/orders/{order.number}/after-sales/new/")
    page.get_by_label("Return", exact=True).check()
    page.fill("input[data-sku='MUG-1']", "1")
    page.get_by_label("Reason (the customer's words)").fill("The handle broke off on day one")
    page.get_by_role("button", name="Open the request").click()
    request = AfterSalesRequest.objects.get(order=order)
    page.wait_for_url(f"{base}/dashboard/after-sales/{request.pk}/")
    page.wait_for_selector('#request-panel[data-status="open"]')
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY

    # Care approves, takes the goods back and proposes a refund it cannot issue itself.
    page.click("form[data-action=approve] button[type=submit]")
    page.wait_for_selector('#request-panel[data-status="approved"]')
    page.click("form[data-action=receive_item] button[type=submit]")
    page.wait_for_selector("form[data-action=propose_refund]")
    page.fill("form[data-action=propose_refund] input[name=amount]", "120000")
    page.click("form[data-action=propose_refund] button[type=submit]")
    page.wait_for_selector("[data-refund-proposal][data-status=pending]")
    assert page.locator("form[data-action=resolve]").count() == 0
    assert Order.objects.get(pk=order.pk).amount_refunded == 0
    page.get_by_role("button", name="Log out").click()

    # Finance approves from the queue, after a confirmation stating the amount.
    log_in(page, base, "finance", "finance-pass-123")
    page.get_by_role("link", name="Refunds to approve").click()
    page.wait_for_url(f"{base}/dashboard/refunds/")
    proposal = RefundProposal.objects.get(request=request)
    page.click(f"[data-refund-proposal='{proposal.pk}'] a.button")
    page.wait_for_url(f"{base}/dashboard/refunds/{proposal.pk}/approve/")
    statement = page.inner_text("[data-statement]")
    # The order page's own sentence (orders.money_moves), then the request it resolves.
    assert statement.startswith(f"Refund ₫120,000 to the card of order {order.number}. Of the ")
    assert statement.endswith(f"Return request #{request.pk} is then resolved.")
    page.get_by_role("button", name="Yes, refund ₫120,000").click()
    page.wait_for_url(f"{base}/dashboard/refunds/")
    assert "No refunds are waiting." in page.inner_text("main")

    order = Order.objects.get(pk=order.pk)
    assert (order.payment_status, order.amount_refunded) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        120000,
    )
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded
    assert RefundProposal.objects.get(pk=proposal.pk).status == RefundProposalStatus.APPROVED

    # The customer's e-mails, in order: opened (with its number), refunded, resolved.
    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        f"{order.storefront.name}: Request opened (Order {order.number})",
        f"{order.storefront.name}: Refund issued (Order {order.number})",
        f"{order.storefront.name}: Request resolved (Order {order.number})",
    ]
    opened, refunded, resolved = (message.body for message in mail.outbox)
    assert f"request #{request.pk} about order {order.number}" in opened
    assert "Request type: Return" in opened
    # The amount as the e-mail formats money (grouped, in the customer's language).
    assert "We have refunded " in refunded and "120,000" in refunded
    assert f"for your order {order.number}" in refunded
    assert f"Your request #{request.pk} about order {order.number} has been resolved." in resolved
    assert "Outcome: Refund" in resolved
    assert all(message.to == [order.customer.email] for message in mail.outbox)
