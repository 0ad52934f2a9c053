"""End to end in Debian's Chromium: the warehouse floor moves an order from the dashboard.

The clicks on the order page go through htmx: a value put on `window` before
them is still there afterwards, so the page was never reloaded.
"""

from pathlib import Path

import pytest
from django.conf import settings

from fulfillment.models import InventoryItem
from orders.models import Order, OrderEventType, OrderStatus
from orders.roles import WAREHOUSE
from orders.tests.factories import CarrierFactory, UserFactory, user_with_role

from .conftest import order_make

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/board/")


def search(page, text: str) -> None:
    page.get_by_label("Search").fill(text)
    page.get_by_label("Search").press("Enter")
    page.wait_for_selector("#order-panel")


def click_and_wait(page, form: str, status: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector(f'#order-panel[data-status="{status}"]')


@pytest.mark.django_db(transaction=True)
def test_the_warehouse_finds_an_order_packs_it_and_ships_it_by_tracking_number(live_server, page):
    user_with_role(WAREHOUSE, username="floor", password="floor-pass-123")
    order = order_make("processing", name="Trần Văn Hoà")
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=10)
    CarrierFactory()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    log_in(page, live_server.url, "floor", "floor-pass-123")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-board.png"), full_page=True)
    search(page, order.number)
    assert page.url == f"{live_server.url}/dashboard/orders/{order.number}/"
    page.evaluate("window.__sameDocument = 'kept'")

    click_and_wait(page, "form[data-transition=start_picking]", "picking")
    page.click("form[data-fulfillment=pick] button[type=submit]")
    page.wait_for_selector("#order-messages:has-text('Everything is picked.')")
    click_and_wait(page, "form[data-transition=start_packing]", "packing")
    page.get_by_label("Weight (g)").fill("850")
    page.click("form[data-fulfillment=pack] button[type=submit]")
    page.wait_for_selector("form[data-transition=mark_ready_to_ship]")
    click_and_wait(page, "form[data-transition=mark_ready_to_ship]", "ready_to_ship")
    page.get_by_label("Carrier").select_option("ghn")
    page.get_by_label("Tracking number").fill("GHN-E2E-778899")
    page.click("form[data-fulfillment=book_shipment] button[type=submit]")
    page.wait_for_selector('[data-shipment="GHN-E2E-778899"]')
    assert page.evaluate("window.__sameDocument") == "kept"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-ready.png"), full_page=True)

    # Later, someone at the dock scans the label: the tracking number opens the order.
    page.goto(f"{live_server.url}/dashboard/board/")
    search(page, "GHN-E2E-778899")
    assert page.url == f"{live_server.url}/dashboard/orders/{order.number}/"
    page.evaluate("window.__sameDocument = 'kept'")
    click_and_wait(page, "form[data-transition=ship]", "shipped")
    assert page.evaluate("window.__sameDocument") == "kept"
    assert "is now Shipped" in page.locator("#order-messages").inner_text()
    # Keyboard users stay in the panel: focus moves to the new message once htmx has
    # settled the swap (htmx:afterSettle, a moment after the new panel is in the page).
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'order-messages'"
    )
    assert page.evaluate("document.activeElement.id") == "order-messages"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-shipped.png"), full_page=True)

    stored = Order.objects.get(pk=order.pk)
    assert stored.status == OrderStatus.SHIPPED
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 8  # 2 picked
    assert stored.shipments.get().tracking_number == "GHN-E2E-778899"
    assert [
        e.transition for e in stored.events.filter(event_type=OrderEventType.STATUS_CHANGED)
    ] == [
        "confirm",
        "start_picking",
        "start_packing",
        "mark_ready_to_ship",
        "ship",
    ]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dashboard/queue/shipped/")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-queue-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.django_db(transaction=True)
def test_a_user_without_permission_sees_no_button(live_server, page):
    UserFactory(username="visitor", password="visitor-pass-123")  # staff, no role
    order = order_make("processing")

    log_in(page, live_server.url, "visitor", "visitor-pass-123")
    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")

    assert page.locator("#order-panel form").count() == 0
    assert page.get_by_text("There is nothing you can do with this order").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-no-permission.png"), full_page=True)
