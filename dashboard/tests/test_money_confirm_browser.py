"""In Chromium: a refund on the order page asks first, says exactly what, then moves the money.

Once with htmx (the confirmation replaces the panel in place) and once with
JavaScript turned off (the confirmation is a page of its own).
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from orders.models import Order
from orders.roles import MANAGER
from orders.tests.factories import user_with_role

from .conftest import order_make
from .test_dashboard_browser import log_in

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


def refund_on_the_order_page(
    page, base_url: str, order: Order, amount: str, *, then: str = "[data-confirm-text]"
) -> None:
    page.goto(f"{base_url}/dashboard/orders/{order.number}/")
    field = page.locator("#refund_payment-amount")
    assert field.input_value() == ""  # nothing prefilled: staff say how much
    field.fill(amount)
    page.click("form[data-transition=refund_payment] button[type=submit]")
    page.wait_for_selector(then)


@pytest.mark.django_db(transaction=True)
def test_a_refund_is_confirmed_before_it_moves_money_with_htmx(live_server, page):
    user_with_role(MANAGER, username="boss", password="boss-pass-123")
    order = order_make("picking", payment_method="card", payment_status="paid")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "boss", "boss-pass-123")

    # Half a dong is not an amount: the form says so, and nothing was asked to confirm.
    refund_on_the_order_page(
        page,
        live_server.url,
        order,
        "1.5",
        then="#confirm-amount-error:has-text('VND amounts have no decimals.')",
    )
    assert page.locator("[data-confirm-text]").count() == 0
    page.locator("#confirm-amount").fill("60")
    page.click(".money-confirm__form button[type=submit]")
    page.wait_for_selector("[data-confirm-text]")
    text = page.locator("[data-confirm-text]").inner_text()
    assert text == (
        f"Refund ₫60 to the card of order {order.number}. "
        "Of the ₫210 paid, ₫60 will then be refunded."
    )
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.00")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-refund-confirm.png"), full_page=True)

    page.click("[data-confirm-button]")
    page.wait_for_selector('#order-panel[data-status="picking"]:not(.money-confirm)')

    stored = Order.objects.get(pk=order.pk)
    assert (stored.payment_status, stored.amount_refunded) == (
        "partially_refunded",
        Decimal("60.00"),
    )
    page.screenshot(path=str(SCREENSHOTS / "dashboard-refund-done.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_a_refund_is_confirmed_on_its_own_page_without_javascript(live_server, browser):
    user_with_role(MANAGER, username="boss", password="boss-pass-123")
    order = order_make("picking", payment_method="card", payment_status="paid")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "boss", "boss-pass-123")

    refund_on_the_order_page(page, live_server.url, order, "210")

    assert page.url == f"{live_server.url}/dashboard/orders/{order.number}/transition/"
    assert (
        page.locator("[data-confirm-text]")
        .inner_text()
        .startswith(f"Refund ₫210 to the card of order {order.number}.")
    )
    assert Order.objects.get(pk=order.pk).payment_status == "paid"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-refund-confirm-no-js.png"), full_page=True)

    page.click("[data-confirm-button]")
    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")

    assert Order.objects.get(pk=order.pk).payment_status == "refunded"
    context.close()
