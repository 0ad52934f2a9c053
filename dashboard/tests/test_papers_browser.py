"""In Debian's Chromium: the order page's label, slip and papers links give the warehouse PDFs."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from fulfillment.tests.pdfs import page_barcodes
from orders.roles import WAREHOUSE
from orders.tests.factories import user_with_role

from .test_papers_pdf import packed, wave

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_the_warehouse_follows_the_order_pages_pdf_links(live_server, page):
    pick_list, (order,) = wave(1)
    order = packed(order)
    shipment = order.shipments.get()
    user_with_role(WAREHOUSE, username="kho", password="kho-pass-123")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("kho")
    page.get_by_label("Password").fill("kho-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-order-papers-links.png"), full_page=True)

    links = {
        "Label (PDF)": shipment.tracking_number,
        "Slip (PDF)": order.number,
        "All labels and slips (PDF)": shipment.tracking_number,
    }
    for name, first_barcode in links.items():
        link = page.get_by_role("link", name=name)
        expect(link).to_have_attribute("target", "_blank")
        # Fetched with the browser's session, as its PDF viewer does in the new tab.
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200, name
        assert response.headers["content-type"] == "application/pdf"
        assert page_barcodes(response.body())[0] == [("Code128", first_barcode)], name

    page.goto(f"{live_server.url}/dashboard/pick-lists/{pick_list.pk}/")
    wave_link = page.get_by_role("link", name="Labels and slips (PDF)")
    response = page.request.get(live_server.url + wave_link.get_attribute("href"))
    assert response.status == 200
    assert len(page_barcodes(response.body())) == 2  # the label, then the slip
