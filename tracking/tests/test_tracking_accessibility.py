"""The customer pages pass axe-core's WCAG 2.1 A and AA checks in Debian's Chromium.

axe-core (bundled by axe-playwright-python) checks labels, contrast, headings,
landmarks, language and ARIA use on the rendered page, at desktop and phone sizes.
"""

from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from fulfillment.services import tracking_event_record
from orders.links import tracking_token_make
from orders.models import Order, OrderStatus
from orders.tests.factories import order_in_state

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Rate limits count in the cache: a cache of this test's own."""


def assert_accessible(page) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.django_db(transaction=True)
def test_the_lookup_page_and_its_error_are_accessible(live_server, browser, viewport):
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()

    page.goto(f"{live_server.url}/track/")
    assert_accessible(page)
    page.get_by_label("Order number").fill("ORNOSUCH1")
    page.get_by_label("E-mail address or postal code").fill("who@example.com")
    page.get_by_role("button", name="Find my order").click()
    page.get_by_role("alert").wait_for()
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.django_db(transaction=True)
def test_the_status_page_with_shipments_and_the_return_form_is_accessible(
    live_server, browser, viewport, language
):
    order = order_in_state(OrderStatus.DELIVERED)
    shipment = order.shipments.get()
    for index, status in enumerate(["in_transit", "out_for_delivery"]):
        tracking_event_record(
            carrier=shipment.carrier,
            event_id=f"a11y-{index}",
            tracking_number=shipment.tracking_number,
            status=status,
            occurred_at=timezone.now(),
            location="Hub Tân Bình",
        )
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    url = f"{live_server.url}/track/{tracking_token_make(order)}/?lang={language}"

    page.goto(url)
    assert_accessible(page)
    # The same page showing errors on the return form.
    page.locator("form.after-sales button[type=submit]").click()
    page.locator("#after-sales-errors, .field-error").first.wait_for()
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize(
    "status", [OrderStatus.PROCESSING, OrderStatus.ON_HOLD, OrderStatus.CANCELLED]
)
@pytest.mark.django_db(transaction=True)
def test_other_states_are_accessible(live_server, page, status):
    order = order_in_state(status)
    # A late order shows its delay notice instead of a date.
    Order.objects.filter(pk=order.pk).update(
        promised_delivery_date=timezone.localdate() - timedelta(days=1)
    )

    page.goto(f"{live_server.url}/track/{tracking_token_make(order)}/")

    assert_accessible(page)


@pytest.mark.django_db(transaction=True)
def test_the_expired_link_page_is_accessible(live_server, page):
    order = order_in_state(OrderStatus.COMPLETED)
    long_ago = timezone.now() - timedelta(days=400)
    with mock.patch("django.core.signing.time.time", return_value=long_ago.timestamp()):
        old_token = tracking_token_make(order)
    Order.objects.filter(pk=order.pk).update(closed_at=long_ago)

    response = page.goto(f"{live_server.url}/track/{old_token}/")

    assert response.status == 410
    assert_accessible(page)
