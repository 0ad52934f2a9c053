"""In Debian's Chromium, every page of the product keeps to the content security policy.

A listener installed before any page script records each `securitypolicyviolation`
event; the test walks the dashboard (with an htmx transition), the KPI and finance
pages (reports, the ledger with a refused correction, the cost rates with a save),
the tracking pages (with the after-sales form), the print pages, the API docs and
the admin, and asserts that the header was sent and nothing was refused.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from dashboard.tests.conftest import order_make, png
from fulfillment.models import Supplier
from fulfillment.services.after_sales import after_sales_request_open
from fulfillment.services.suppliers import supplier_request_create
from orders.links import tracking_url
from orders.models import OrderStatus
from orders.roles import MANAGER
from orders.tests.factories import CarrierFactory, order_in_state, user_with_role
from reports.models import CarrierRate, LedgerEntry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """The tracking lookup is rate-limited per client address through the cache."""


@pytest.fixture
def production_like_headers(settings):
    """The headers production sends that plain HTTP can carry (HSTS needs HTTPS)."""
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.SECURE_REFERRER_POLICY = "same-origin"
    settings.SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    settings.X_FRAME_OPTIONS = "DENY"


class PolicyWatch:
    """Visits pages and keeps every violation and every response without the header."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.violations: list[dict] = []
        self.missing_header: list[str] = []
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.console.append(message.text)
            ),
        )
        # The browser asks for a favicon by itself; the project has none.
        page.route("**/favicon.ico", lambda route: route.fulfill(status=204))

    def visit(self, path: str, *, wait_for: str | None = None) -> None:
        self.collect()
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            self.missing_header.append(f"{path}: {policy!r}")
        assert response.headers.get("x-frame-options") == "DENY", path
        assert response.headers.get("x-content-type-options") == "nosniff", path
        if wait_for:
            self.page.wait_for_selector(wait_for)
        self.page.wait_for_load_state("networkidle")

    def collect(self) -> None:
        """Take the violations the current document recorded (before it is replaced)."""
        if self.page.url.startswith(self.base_url):
            url = self.page.url
            for violation in self.page.evaluate("window.__csp || []"):
                self.violations.append({"page": url, **violation})
            self.page.evaluate("window.__csp = []")


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/board/")


@pytest.mark.django_db(transaction=True)
def test_no_page_breaks_the_content_security_policy(
    live_server, page, production_like_headers, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user_with_role(MANAGER, username="boss", password="boss-pass-123")
    received = order_make("received", name="Lê Thị Hồng")
    order_make("processing")
    delivered = order_in_state(OrderStatus.DELIVERED)
    a_return = after_sales_request_open(
        order=order_in_state(OrderStatus.DELIVERED),
        kind="return",
        reason="Cracked",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="staff",
        photos=[png()],
    )
    a_supplier_request = supplier_request_create(
        order=order_in_state(OrderStatus.PROCESSING),
        supplier=Supplier.objects.create(name="Gốm Bát Tràng", email="sales@battrang.example"),
        lines=[{"sku": "MUG-1", "quantity": 1}],
        delivery="warehouse",
        actor=None,
    )
    watch = PolicyWatch(page, live_server.url)

    # The login page, then the whole dashboard as a manager.
    watch.visit("/dashboard/login/")
    log_in(page, live_server.url, "boss", "boss-pass-123")
    watch.visit("/dashboard/board/", wait_for="[data-order]")
    watch.visit("/dashboard/queue/processing/", wait_for="[data-order]")
    watch.visit(f"/dashboard/orders/{received.number}/", wait_for="#order-panel")
    page.evaluate("window.__sameDocument = 'kept'")
    page.click("form[data-transition=confirm] button[type=submit]")
    page.wait_for_selector('#order-panel[data-status="processing"]')
    assert page.evaluate("window.__sameDocument") == "kept", "the transition went through htmx"
    # After-sales and supplier requests: lists, pages (with a customer's photo), an htmx action.
    watch.visit("/dashboard/after-sales/", wait_for="[data-request]")
    watch.visit(f"/dashboard/after-sales/{a_return.pk}/", wait_for="form[data-action=approve]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.request-photos img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    page.evaluate("window.__sameDocument = 'kept'")
    page.click("form[data-action=approve] button[type=submit]")
    page.wait_for_selector('#request-panel[data-status="approved"]')
    assert page.evaluate("window.__sameDocument") == "kept", "the action went through htmx"
    watch.visit("/dashboard/supplier-requests/", wait_for="[data-request]")
    watch.visit(
        f"/dashboard/supplier-requests/{a_supplier_request.pk}/",
        wait_for="form[data-action=receive]",
    )
    watch.visit("/dashboard/overview/", wait_for="#overview")
    watch.visit("/dashboard/kpi/", wait_for="canvas")
    page.wait_for_function("() => window.Chart !== undefined")
    watch.visit("/dashboard/reports/")
    # Finance's ledger and cost rates, with a refused correction and a saved rate.
    entry = LedgerEntry.objects.filter(order=delivered).first()
    storefront = delivered.storefront
    rate, _created = CarrierRate.objects.get_or_create(
        storefront=storefront, carrier=CarrierFactory()
    )
    watch.visit("/dashboard/reports/ledger/", wait_for="#ledger [data-entry]")
    watch.visit(f"/dashboard/reports/ledger/{entry.pk}/correct/", wait_for="#correction-form")
    page.fill("#id_amount", "0")
    page.fill("#id_note", "Checking the policy")
    page.click("#correction-form button[type=submit]")
    page.wait_for_selector("#correction-form .field-error")
    watch.visit("/dashboard/reports/rates/", wait_for="#carrier-rates")
    watch.visit(f"/dashboard/reports/rates/{storefront.code}/", wait_for="#cost-rates-form")
    page.fill("#id_handling_per_order", "12000")
    page.click("#cost-rates-form button[type=submit]")
    page.wait_for_selector(".message--success")
    watch.visit(
        f"/dashboard/reports/rates/{storefront.code}/carriers/new/", wait_for="#carrier-rate-form"
    )
    watch.visit(f"/dashboard/reports/rates/carriers/{rate.pk}/", wait_for="#carrier-rate-form")
    watch.visit(f"/fulfillment/orders/{received.number}/pick-list/")

    # The customer's pages: lookup, and a delivered order with its after-sales form.
    watch.visit("/track/", wait_for="form")
    status_path = tracking_url(delivered).removeprefix(settings.PUBLIC_BASE_URL.rstrip("/"))
    watch.visit(status_path, wait_for="#after-sales")

    # The API docs and the admin.
    watch.visit("/api/docs/", wait_for=".swagger-ui .info")
    watch.visit("/admin/", wait_for="#content-main")
    watch.visit(reverse("admin:orders_order_changelist"), wait_for="#result_list")
    watch.visit(reverse("admin:orders_order_change", args=[delivered.pk]), wait_for="#content-main")
    # Django's date and time widgets, and the request buttons of the after-sales admin.
    watch.visit(reverse("admin:orders_holiday_add"), wait_for=".datetimeshortcuts")
    watch.visit(
        reverse("admin:fulfillment_aftersalesrequest_change", args=[a_return.pk]),
        wait_for="[data-action=receive_item]",
    )
    watch.collect()

    assert watch.missing_header == []
    assert watch.violations == []
    assert watch.console == []
