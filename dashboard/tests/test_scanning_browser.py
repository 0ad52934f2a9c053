"""In Debian's Chromium, typing as a keyboard-wedge scanner does (characters, then Enter),
never clicking the scan field: order and tracking numbers open orders, SKUs pick and pack.
"""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from fulfillment.models import InventoryItem, OpenPackage, Package, PickRecord
from fulfillment.services import shipment_create
from fulfillment.services.picking import pick_list_create
from orders.models import Order, OrderStatus
from orders.roles import WAREHOUSE
from orders.tests.factories import CarrierFactory, order_pack_everything, user_with_role

from .conftest import order_make

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


def log_in(page, base_url: str) -> None:
    user_with_role(WAREHOUSE, username="scanner", password="scanner-pass-123")
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("Username").fill("scanner")
    page.get_by_label("Password").fill("scanner-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/board/")


def scan(page, code: str) -> None:
    """What a keyboard-wedge scanner sends: fast keystrokes, then Enter."""
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def picked() -> int:
    return sum(PickRecord.objects.values_list("quantity_picked", flat=True))


@pytest.mark.django_db(transaction=True)
def test_scanning_opens_orders_and_picks_on_the_picking_screen(live_server, page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="A-01-1", quantity_on_hand=0)
    order = order_make("picking")  # 2 x MUG-1; the stock records say the shelf is empty
    log_in(page, live_server.url)

    # Right after the board loads, the scan field has the keyboard.
    expect(page.locator("#scan")).to_be_focused()
    scan(page, order.number)
    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")
    expect(page.locator("#scan")).to_be_focused()

    # The first scan picks one unit; the page shows the count, the field is ready again.
    scan(page, "MUG-1")
    expect(page.locator("#order-messages")).to_contain_text("Picked 1 x MUG-1 (1 of 2).")
    expect(page.locator("[data-pick-line='MUG-1'] [data-picked]")).to_have_text("(1 picked)")
    assert picked() == 1
    expect(page.locator("#scan")).to_be_focused()

    # A SKU the order does not have: refused loudly, nothing recorded, the page stays.
    scan(page, "SOAP-9")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Nothing matches SOAP-9")
    assert alert.evaluate("e => getComputedStyle(e).color") == "rgb(164, 14, 38)"
    page.screenshot(path=str(SCREENSHOTS / "scanning-refused.png"), full_page=True)
    assert picked() == 1
    assert page.url == f"{live_server.url}/dashboard/orders/{order.number}/"

    # Typed with the focus nowhere (a click on the page, say): the keys still reach the field.
    page.evaluate("document.activeElement.blur()")
    scan(page, "MUG-1")
    expect(page.locator("#order-messages")).to_contain_text("Picked 1 x MUG-1 (2 of 2).")
    assert picked() == 2
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING  # no short pick
    page.screenshot(path=str(SCREENSHOTS / "scanning-picked.png"), full_page=True)

    # One too many: refused, nothing changes.
    scan(page, "MUG-1")
    expect(page.get_by_role("alert")).to_contain_text("All 2 x MUG-1 are picked.")
    assert picked() == 2


@pytest.mark.django_db(transaction=True)
def test_a_tracking_number_typed_on_a_page_opens_its_order(live_server, page):
    order = order_pack_everything(order_make("packing"))
    shipment_create(
        order=order,
        carrier_code=CarrierFactory().code,
        tracking_number="GHN777000VN",
        package_ids=list(order.packages.values_list("pk", flat=True)),
        actor=None,
    )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/queue/processing/")

    page.evaluate("document.activeElement.blur()")
    scan(page, "GHN777000VN")

    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")


@pytest.mark.django_db(transaction=True)
def test_packing_by_scanning_then_weighing_the_box_lets_the_order_ship(live_server, page):
    order = order_make("packing")  # 2 x MUG-1, picked
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")

    # Two units scanned back to back, faster than the page answers: both go in.
    scan(page, "MUG-1")
    scan(page, "MUG-1")
    expect(page.locator("#order-messages")).to_contain_text(
        "Added 1 x MUG-1 to the open package (2 of 2 packed or open)."
    )
    expect(page.locator("[data-open-package-line='MUG-1']")).to_have_text("2 x MUG-1")
    scan(page, "MUG-1")
    expect(page.get_by_role("alert")).to_contain_text("All 2 x MUG-1 are packed or in the open")
    assert not Package.objects.exists()
    page.screenshot(path=str(SCREENSHOTS / "scanning-open-package.png"), full_page=True)

    page.get_by_label("Weight (g)").fill("750")
    page.get_by_role("button", name="Close the package").click()
    expect(page.locator("#order-messages")).to_contain_text("closed")
    package = Package.objects.get()
    assert (package.weight_grams, package.lines.get().quantity) == (750, 2)
    assert not OpenPackage.objects.exists()

    page.click("form[data-transition=mark_ready_to_ship] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="ready_to_ship"]')
    assert Order.objects.get(pk=order.pk).status == OrderStatus.READY_TO_SHIP


@pytest.mark.django_db(transaction=True)
def test_scanning_on_a_wave_pick_list_says_whose_tote_the_unit_goes_to(live_server, page):
    first, second = sorted((order_make("picking") for _ in range(2)), key=lambda o: o.number)
    pick_list = pick_list_create(orders=[first, second], actor=None)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/pick-lists/{pick_list.pk}/")

    # Three scans in a row, faster than the page answers: each waits its turn.
    for _ in range(3):
        scan(page, "MUG-1")
    expect(page.locator(".messages")).to_contain_text(
        f"Picked 1 x MUG-1 for order {second.number}: into its tote (1 of 2)."
    )
    expect(page.locator("[data-pick-sku='MUG-1'] td").nth(3)).to_have_text("1")
    assert picked() == 3


@pytest.mark.django_db(transaction=True)
def test_after_packing_starts_in_place_the_next_scan_goes_into_the_box(live_server, page):
    order = order_make("picking")
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
    scan(page, "MUG-1")
    scan(page, "MUG-1")
    expect(page.locator("#order-messages")).to_contain_text("Picked 1 x MUG-1 (2 of 2).")

    # The panel is swapped by htmx: the header's form must follow it to the packing screen.
    page.click("form[data-transition=start_packing] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="packing"]')
    scan(page, "MUG-1")

    expect(page.locator("[data-open-package-line='MUG-1']")).to_have_text("1 x MUG-1")
    assert picked() == 2
    assert OpenPackage.objects.get(order=order).lines.get().quantity == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("take_field", ["click", "focus", "fill"])
def test_scanning_into_the_field_clicked_or_focused_first_works_the_same(
    live_server, page, take_field
):
    """A client that first clicks or focuses the scan field (or fills it) opens and picks alike."""
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="A-01-1", quantity_on_hand=5)
    order = order_make("picking")  # 2 x MUG-1
    log_in(page, live_server.url)

    def scan_into_field(code: str) -> None:
        if take_field == "fill":
            page.fill("input[name=code]", code)
            page.press("input[name=code]", "Enter")
            return
        if take_field == "click":
            page.click("#scan")
        else:
            page.focus("input[name=code]")
        scan(page, code)

    scan_into_field(order.number)
    page.wait_for_url(f"{live_server.url}/dashboard/orders/{order.number}/")

    scan_into_field("MUG-1")
    expect(page.locator("#order-messages")).to_contain_text("Picked 1 x MUG-1 (1 of 2).")
    scan_into_field("MUG-1")
    expect(page.locator("#order-messages")).to_contain_text("Picked 1 x MUG-1 (2 of 2).")
    assert picked() == 2
    assert page.url == f"{live_server.url}/dashboard/orders/{order.number}/"
