"""End to end in Debian's Chromium: a customer asks for a new delivery address on the
tracking page, and customer care approves it from the dashboard's queue."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from orders.links import tracking_url
from orders.models import ChangeRequestStatus, Order, OrderChangeRequest, OrderStatus
from orders.roles import CUSTOMER_CARE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """The change form is rate-limited per client address through the cache."""


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("tasks_in_process")
def test_a_customer_asks_for_a_new_address_and_care_approves_it(live_server, browser):
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    order = order_in_state(OrderStatus.PICKING)
    link = live_server.url + tracking_url(order).removeprefix(settings.PUBLIC_BASE_URL.rstrip("/"))

    # The customer, on the page the e-mails link to.
    customer = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    customer.set_default_timeout(10_000)
    page = customer.new_page()
    page.goto(link)
    page.get_by_text("Change the delivery address", exact=True).click()
    form = page.locator("form[data-change-form=address]")
    form.get_by_label("Recipient name").fill("Trần Văn Minh")
    form.get_by_label("Address", exact=True).fill("45 Hai Bà Trưng")
    form.get_by_label("City").fill("Hà Nội")
    form.get_by_label("Postal code (optional)").fill("100000")
    form.get_by_label("Country code").fill("vn")
    form.get_by_label("Message to us (optional)").fill("We moved last week.")
    form.get_by_role("button", name="Ask for this address").click()

    expect(page.get_by_role("status").filter(has_text="We have your request")).to_be_visible()
    expect(page.locator("[data-change-request=pending]")).to_contain_text(
        "45 Hai Bà Trưng, Hà Nội, 100000, VN"
    )
    expect(page.locator("form[data-change-form=address]")).to_have_count(0)

    # Customer care, on the dashboard.
    care = browser.new_context(viewport={"width": 1280, "height": 900})
    care.set_default_timeout(10_000)
    desk = care.new_page()
    desk.goto(f"{live_server.url}/dashboard/login/")
    desk.get_by_label("Username").fill("care")
    desk.get_by_label("Password").fill("care-pass-123")
    desk.get_by_role("button", name="Log in").click()
    desk.wait_for_url(f"{live_server.url}/dashboard/board/")
    desk.get_by_role("link", name="Change requests").click()
    asked = desk.locator("[data-kind=address]")
    expect(asked.locator("[data-address=now]")).to_contain_text("12 Lê Lợi")
    expect(asked.locator("[data-address=new]")).to_contain_text("45 Hai Bà Trưng")
    expect(asked).to_contain_text("We moved last week.")
    asked.get_by_label("Note to the customer (optional)").fill("Happy to help.")
    asked.get_by_role("button", name="Approve: change the address").click()

    expect(desk.get_by_role("status")).to_contain_text(
        f"Done: Change the delivery address on order {order.number}."
    )
    expect(desk.get_by_text("No change requests are waiting.")).to_be_visible()
    shipping = Order.objects.select_related("shipping_address").get(pk=order.pk).shipping_address
    assert (shipping.line1, shipping.city, shipping.country) == ("45 Hai Bà Trưng", "Hà Nội", "VN")
    assert OrderChangeRequest.objects.get().status == ChangeRequestStatus.APPROVED
    [answer] = [m for m in mail.outbox if "Answer to your request" in m.subject]
    assert "We have changed the delivery address of your order" in answer.body
    assert "Happy to help." in answer.body

    # Back on the tracking page, the customer sees it done.
    page.reload()
    expect(page.locator("[data-change-request=approved]")).to_contain_text("Done")
    expect(page.locator("ol.timeline")).to_contain_text(
        "Request approved: Change the delivery address"
    )
    customer.close()
    care.close()
