"""End to end in Debian's Chromium: customer care takes a phone order for a returning customer.

Care finds the customer, lets the page fill in their last address, types the
lines (one from the inventory, whose name and price the preview fills in),
previews the totals, creates the order and lands on its page; the customer's
"order received" e-mail is in Django's test outbox.
"""

from pathlib import Path

import pytest
from django.core import mail

from fulfillment.models import InventoryItem
from orders.models import Order, OrderEventType
from orders.roles import CUSTOMER_CARE
from orders.tests.factories import StorefrontFactory, user_with_role

from .conftest import order_make

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
def test_customer_care_takes_a_phone_order_and_sees_the_new_order(live_server, page):
    base = live_server.url
    user_with_role(
        CUSTOMER_CARE, username="care", password="care-pass-123", first_name="Mai", last_name="Trần"
    )
    shop = StorefrontFactory(code="lan-shop", name="Lan's Shop", currency="VND")
    StorefrontFactory(code="other-shop", name="Other shop", currency="VND")
    earlier = order_make(storefront=shop, email="lan@example.com", name="Nguyễn Thị Lan")
    InventoryItem.objects.create(sku="MUG-1", name="Blue mug", location="A-01")
    mail.outbox.clear()

    log_in(page, base, "care", "care-pass-123")
    page.get_by_role("link", name="Take an order").click()
    page.wait_for_url(f"{base}/dashboard/take-order/")

    # Find the caller among the storefront's customers and use their details.
    page.select_option("#find-storefront", "lan-shop")
    page.get_by_label("E-mail, phone or name").fill("lan@")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Use Nguyễn Thị Lan").click()
    page.wait_for_selector("[data-using-customer]")
    assert page.get_by_label("Customer's e-mail").input_value() == "lan@example.com"
    assert page.get_by_label("Address line 1").input_value() == "12 Lê Lợi"
    assert page.locator("#id_storefront").input_value() == "lan-shop"

    # The lines: a SKU the inventory knows (name and last price filled in) and a new one.
    page.get_by_label("Taken by").select_option("phone")
    page.fill("#id_lines-0-sku", "MUG-1")
    page.fill("#id_lines-0-quantity", "3")
    page.fill("#id_lines-1-sku", "CARD-9")
    page.fill("#id_lines-1-name", "Greeting card")
    page.fill("#id_lines-1-unit_price", "15000")
    page.get_by_label("Shipping price").fill("20000")
    page.get_by_label("Payment method").select_option("cod")
    page.get_by_label("Note for the history").fill("Called at 9:05")
    page.get_by_role("button", name="Preview totals").click()
    page.wait_for_selector("[data-filled='MUG-1']")
    assert page.locator("#id_lines-0-name").input_value() == "Blue mug"
    assert page.locator("#id_lines-0-unit_price").input_value() == "100"
    # 3 x 100 + 15,000 + 20,000 shipping, in the storefront's dong.
    assert page.locator("[data-grand-total]").inner_text() == "₫35,300"
    assert Order.objects.count() == 1

    page.get_by_role("button", name="Create the order").click()
    page.wait_for_url(f"{base}/dashboard/orders/OR*/")
    order = Order.objects.exclude(pk=earlier.pk).get()
    assert page.url == f"{base}/dashboard/orders/{order.number}/"
    assert page.get_by_text(f"Order {order.number} created for Nguyễn Thị Lan.").is_visible()
    created = page.locator(".timeline__event").filter(has_text="Channel: Phone")
    assert "Mai Trần" in created.inner_text()
    assert "Called at 9:05" in created.inner_text()
    assert (order.customer_id, str(order.total)) == (earlier.customer_id, "35300.00")
    assert order.events.get().event_type == OrderEventType.CREATED
    assert [message.to for message in mail.outbox] == [["lan@example.com"]]
    assert order.number in mail.outbox[0].subject
