"""In Debian's Chromium: a short pick is split off to a back-order from the order page; both
orders link to each other, and the customer's tracking page names the part that follows.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from fulfillment.models import InventoryItem
from orders.links import tracking_token_make
from orders.models import Order, OrderStatus
from orders.roles import WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_the_floor_splits_a_short_pick_into_a_back_order(live_server, page):
    user_with_role(WAREHOUSE, username="picker", password="picker-pass-123")
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="A-01-1", quantity_on_hand=1)
    order = order_make("picking")  # 2 x MUG-1
    line = order.lines.get()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("picker")
    page.get_by_label("Password").fill("picker-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/board/")

    # One mug on the shelf, one missing: the order is held for stock.
    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
    page.locator(f"#picked-{line.pk}").fill("2")
    page.click("form[data-fulfillment=pick] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="on_hold"]')

    # Only the missing mug may move; the picked one stays and ships.
    page.reload()
    move = page.locator(f"#move-{line.pk}")
    assert move.get_attribute("max") == "1"
    move.fill("1")
    page.get_by_label("Reason").last.fill("Mug back in stock next week")
    page.screenshot(path=str(SCREENSHOTS / "backorder-split-form.png"), full_page=True)
    page.click("form[data-action=split] button[type=submit]")
    page.wait_for_selector("#order-messages:has-text('created: it ships separately')")

    backorder = Order.objects.get(backorder_of=order)
    assert backorder.status == OrderStatus.PROCESSING
    assert page.locator("[data-backorders]").inner_text().startswith(backorder.number)
    page.screenshot(path=str(SCREENSHOTS / "backorder-original.png"), full_page=True)
    page.click(f"[data-backorders] a:has-text('{backorder.number}')")
    page.wait_for_selector(f"[data-backorder-of]:has-text('{order.number}')")

    # The customer sees both parts.
    page.goto(live_server.url + reverse("tracking:track_order", args=[tracking_token_make(order)]))
    note = page.locator(f"[data-backorder='{backorder.number}']")
    assert "ships separately" in note.inner_text()
    note.locator("a").click()
    page.wait_for_selector(f"#split-from:has-text('{order.number}')")
    page.screenshot(path=str(SCREENSHOTS / "backorder-tracking.png"), full_page=True)
