"""In Chromium: customer care lowers a quantity on a paid order, previews the refund, saves it.

Once with JavaScript (as staff use it) and once with JavaScript turned off: the
edit is plain forms either way.
"""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from notifications.models import Notification, NotificationKind
from orders.models import Order
from orders.roles import CUSTOMER_CARE
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


def edit_mug_to_one(page, base_url: str, order: Order) -> None:
    """From the order page: Edit order, Mug 2 -> 1 with a reason, Preview."""
    page.goto(f"{base_url}/dashboard/orders/{order.number}/")
    page.click("[data-action=edit-order] a")
    page.wait_for_url(f"{base_url}/dashboard/orders/{order.number}/edit/")
    page.get_by_label("Quantity of MUG-1").fill("1")
    page.get_by_label("Reason").fill("Customer called: one mug is enough")
    page.click("[data-edit-preview-button]")
    page.wait_for_selector("[data-edit-preview]")


@pytest.mark.django_db(transaction=True)
def test_customer_care_previews_the_refund_then_saves_and_the_page_shows_the_new_total(
    live_server, page
):
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    # Mug 2 x ₫100 + shipping ₫10 = ₫210, paid by card.
    order = order_make("processing", payment_method="card", payment_status="paid")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url, "care", "care-pass-123")

    edit_mug_to_one(page, live_server.url, order)

    assert page.locator("[data-total-before]").inner_text() == "₫210"
    assert page.locator("[data-total-after]").inner_text() == "₫110"
    assert page.locator("[data-preview-line=MUG-1] td").nth(2).inner_text() == "1"
    assert page.locator("[data-edit-money]").inner_text() == (
        f"Refund ₫100 to the card of order {order.number}."
    )
    stored = Order.objects.get(pk=order.pk)
    assert (stored.total, stored.amount_refunded) == (Decimal("210.00"), Decimal("0.00"))
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-edit-preview.png"), full_page=True)

    page.click("[data-edit-save]")
    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")

    assert page.locator("#order-messages").inner_text().startswith(f"Order {order.number} changed.")
    assert "₫110" in page.locator("#summary-heading + dl").inner_text()
    stored = Order.objects.get(pk=order.pk)
    assert (stored.total, stored.amount_refunded) == (Decimal("110.00"), Decimal("100.00"))
    assert stored.lines.get().quantity == 1
    assert Notification.objects.filter(order=order, kind=NotificationKind.ORDER_EDITED).count() == 1
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-edited.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_the_edit_works_without_javascript(live_server, browser):
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    order = order_make("processing", payment_method="card", payment_status="paid")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "care", "care-pass-123")

    edit_mug_to_one(page, live_server.url, order)
    assert page.locator("[data-edit-money]").inner_text().startswith("Refund ₫100")
    page.click("[data-edit-save]")
    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")

    assert Order.objects.get(pk=order.pk).total == Decimal("110.00")
    context.close()
