"""End to end in Debian's Chromium: customer care takes a return in from the dashboard.

The clicks on the request page go through htmx: a value put on `window` before
them is still there afterwards, so the page was never reloaded.
"""

from pathlib import Path

import pytest

from fulfillment.models import AfterSalesRequest
from fulfillment.services.after_sales import after_sales_request_open
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_customer_care_approves_a_return_and_marks_it_received_without_a_reload(live_server, page):
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    order = order_in_state(OrderStatus.DELIVERED)
    request = after_sales_request_open(
        order=order,
        kind="return",
        reason="The handle came off",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="customer",
    )

    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("care")
    page.get_by_label("Password").fill("care-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/board/")
    page.get_by_role("link", name="After-sales").click()
    page.wait_for_url(f"{live_server.url}/dashboard/after-sales/")
    page.click(f"[data-request='{request.pk}'] a[href*='/after-sales/']")
    page.wait_for_selector('#request-panel[data-status="open"]')
    assert "The handle came off" in page.inner_text("#request-panel")
    page.evaluate("window.__sameDocument = 'kept'")

    page.fill("form[data-action=approve] input[name=note]", "Photo shows it")
    page.click("form[data-action=approve] button[type=submit]")
    page.wait_for_selector('#request-panel[data-status="approved"]')
    assert page.inner_text("#request-messages") == "Approve: done."
    page.click("form[data-action=receive_item] button[type=submit]")
    page.wait_for_selector('#request-panel[data-status="item_received"]')
    page.wait_for_selector("form[data-action=resolve]")

    assert page.evaluate("window.__sameDocument") == "kept"
    assert AfterSalesRequest.objects.get(pk=request.pk).status == "item_received"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY
