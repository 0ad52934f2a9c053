"""End to end in Debian's Chromium: customer care uploads a CSV, reads the preview, imports it."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from connectors.tests.test_imports import GOOD_AND_BAD
from orders.models import Order
from orders.roles import CUSTOMER_CARE
from orders.tests.factories import StorefrontFactory, user_with_role

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("tasks_in_process")
def test_customer_care_previews_a_file_and_imports_its_good_orders(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    StorefrontFactory(code="imp", name="Import shop", currency="VND")
    user_with_role(CUSTOMER_CARE, username="care", password="care-pass-123")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("care")
    page.get_by_label("Password").fill("care-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Import orders").click()
    page.get_by_label("Storefront").select_option("imp")
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": GOOD_AND_BAD}]
    )
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.locator("#preview-summary")).to_have_text(
        "5 rows: 2 orders to create, 0 already there, 1 refused"
    )
    expect(page.locator(".import-to-create tbody tr")).to_have_count(2)
    expect(page.locator('.import-row-errors tr[data-row="6"]')).to_contain_text(
        "Must be a whole number above 0."
    )
    page.screenshot(path=str(SCREENSHOTS / "dashboard-import-preview.png"), full_page=True)
    assert not Order.objects.exists()
    page.get_by_role("button", name="Import 2 orders").click()

    expect(page.locator("#import-progress label")).to_have_text("3 of 3 orders processed")
    expect(page.locator("#import-status")).to_have_text("Done")
    expect(page.locator(".import-row-errors tbody tr")).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-import-done.png"), full_page=True)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"A-1", "A-2"}
