"""In Debian's Chromium: the floor cannot pack before picking, records picks (one short,
which holds the order) and prints a wave pick list of orders ticked on the picking queue.
"""

from pathlib import Path

import pytest
from django.conf import settings

from fulfillment.models import InventoryItem, PickList
from orders.models import Order, OrderStatus
from orders.roles import WAREHOUSE
from orders.services import order_transition
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


def log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("Username").fill("picker")
    page.get_by_label("Password").fill("picker-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/board/")


@pytest.mark.django_db(transaction=True)
def test_the_floor_picks_before_packing_holds_a_short_order_and_prints_a_wave(live_server, page):
    user_with_role(WAREHOUSE, username="picker", password="picker-pass-123")
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="A-01-1", quantity_on_hand=20)
    full, short = order_make("picking"), order_make("picking")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server.url)

    # No packing before picking: the button is greyed with what is left to pick.
    page.goto(f"{live_server.url}/dashboard/orders/{full.number}/")
    assert page.locator("form[data-transition=start_packing]").count() == 0
    blocked = page.locator("[data-blocked-transition=start_packing]")
    assert blocked.locator("button").is_disabled()
    assert "Left to pick: 2 x MUG-1" in blocked.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "picking-packing-blocked.png"), full_page=True)

    # The whole line is picked: packing may start.
    line = full.lines.get()
    assert page.locator(f"#picked-{line.pk}").input_value() == "2"
    page.click("form[data-fulfillment=pick] button[type=submit]")
    page.wait_for_selector("#order-messages:has-text('Everything is picked.')")
    page.click("form[data-transition=start_packing] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="packing"]')

    # One mug found, one missing: a short pick holds the order for stock.
    line = short.lines.get()
    page.goto(f"{live_server.url}/dashboard/orders/{short.number}/")
    page.locator(f"#picked-{line.pk}").fill("1")
    page.locator(f"#short-{line.pk}").fill("1")
    page.click("form[data-fulfillment=pick] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="on_hold"]')
    assert "1 short, so the order is on hold" in page.locator("#order-messages").inner_text()
    assert "An item is temporarily out of stock" in page.locator("#order-panel").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "picking-short-held.png"), full_page=True)

    # A wave: three orders ticked on the picking queue; one is held before the list is made.
    wave = [order_make("picking") for _ in range(3)]
    page.goto(f"{live_server.url}/dashboard/queue/picking/")
    for order in wave:
        page.check(f"#select-{order.number}")
    order_transition(
        order=wave[2], transition="hold", actor=None, reason="address_check"
    )  # someone else, meanwhile
    page.screenshot(path=str(SCREENSHOTS / "picking-wave-selected.png"), full_page=True)
    page.click("button[data-action=pick-list]")
    page.wait_for_selector("[data-print-link]")
    pick_list = PickList.objects.get()
    assert sorted(pick_list.orders.values_list("number", flat=True)) == sorted(
        [wave[0].number, wave[1].number]
    )
    messages = page.locator(".messages").inner_text()
    assert f"Left off the pick list: {wave[2].number}. It is on hold, not picking." in messages
    assert page.locator("[data-pick-sku=MUG-1] td").nth(3).inner_text() == "4"
    page.screenshot(path=str(SCREENSHOTS / "picking-wave-list.png"), full_page=True)

    with page.context.expect_page() as opened:
        page.click("[data-print-link]")
    printable = opened.value
    printable.wait_for_load_state()
    assert printable.url == f"{live_server.url}/fulfillment/pick-lists/{pick_list.pk}/"
    printable.emulate_media(media="print")
    assert f"Pick list #{pick_list.pk}" in printable.locator("h1").inner_text()
    assert "A-01-1" in printable.locator("tbody").inner_text()
    printable.screenshot(path=str(SCREENSHOTS / "picking-wave-print.png"), full_page=True)

    assert Order.objects.get(pk=full.pk).status == OrderStatus.PACKING
    held = Order.objects.get(pk=short.pk)
    assert (held.status, held.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")
