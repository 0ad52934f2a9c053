"""End to end in Debian's Chromium: a manager runs an order through its whole life."""

from pathlib import Path

import pytest
from django.conf import settings

from fulfillment.models import InventoryItem
from orders.models import Order, OrderStatus
from orders.roles import MANAGER
from orders.tests.factories import CarrierFactory, order_new, user_with_role

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_manager_logs_in_and_clicks_an_order_from_received_to_completed(live_server, page):
    user_with_role(MANAGER, username="boss", password="boss-pass-123")
    order = order_new(payment_method="card")
    for line in order.lines.all():
        InventoryItem.objects.create(sku=line.sku, location="A-01", quantity_on_hand=5)
    CarrierFactory()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "boss-pass-123")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.fill("#searchbar", order.number)
    page.press("#searchbar", "Enter")
    page.get_by_role("link", name=order.number).click()
    page.screenshot(path=str(SCREENSHOTS / "admin-order-received.png"), full_page=True)

    for transition in [
        "authorize_payment",
        "confirm",
        "start_picking",
        "start_packing",
        "mark_ready_to_ship",
        "capture_payment",
        "ship",
        "deliver",
        # No bare "open after-sales" button: requests are opened on the dashboard's form.
        "complete",
    ]:
        if transition in ("start_packing", "mark_ready_to_ship", "ship"):
            # Picking, packing and shipping are done on the dashboard's order page, linked
            # from here.
            admin_page = page.url
            page.click("[data-fulfillment=dashboard] a")
            if transition == "start_packing":
                page.click("form[data-fulfillment=pick] button[type=submit]")
                page.wait_for_selector("#order-messages:has-text('Everything is picked.')")
            elif transition == "mark_ready_to_ship":
                page.fill("form[data-fulfillment=pack] input[name=weight_grams]", "850")
                page.click("form[data-fulfillment=pack] button[type=submit]")
                page.wait_for_selector("form[data-transition=mark_ready_to_ship]")
            else:
                form = "form[data-fulfillment=book_shipment]"
                page.select_option(f"{form} select[name=carrier]", "ghn")
                page.fill(f"{form} input[name=tracking_number]", "GHN-778899")
                page.click(f"{form} button[type=submit]")
                page.wait_for_selector('[data-shipment="GHN-778899"]')
            page.goto(admin_page)
        assert page.locator("form[data-transition=open_after_sales]").count() == 0
        page.click(f"form[data-transition={transition}] button[type=submit]")
        page.wait_for_selector(".messagelist .success")
        if transition == "ship":
            page.screenshot(path=str(SCREENSHOTS / "admin-order-shipped.png"), full_page=True)

    heading = page.locator("#order-transitions-heading")
    assert "Completed" in heading.inner_text()
    assert page.locator("form.order-transition").count() == 1  # only refund_payment is left
    page.screenshot(path=str(SCREENSHOTS / "admin-order-completed.png"), full_page=True)
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.payment_status) == (OrderStatus.COMPLETED, "paid")
    # created, 9 transitions, and the pick, packing and shipment notes
    assert stored.events.count() == 13
    assert stored.shipments.get().tracking_number == "GHN-778899"
