"""In Debian's Chromium: a manager opens the KPI page and every chart is drawn."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest.mock import patch

import pytest
from django.conf import settings
from django.utils import timezone

from orders.models import Order, OrderEvent, OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import MANAGER
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role
from reports.models import StorefrontCostRates

SCREENSHOTS = Path(settings.BASE_DIR) / "test-results" / "screenshots"
CHARTS = ["kpi-orders-per-day", "kpi-stage-times", "kpi-on-time", "kpi-backlog", "kpi-money"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="no browser: install Debian's chromium package (apt-get install chromium)",
    ),
]


def orders_of_the_last_days() -> None:
    """A few orders a day over the last week, in every stage, paid by card, some shipped."""
    shop = StorefrontFactory(code="kpi-shop", currency="VND")
    StorefrontCostRates.objects.create(
        storefront=shop, packaging_per_package=Decimal("5000"), handling_per_order=Decimal("12000")
    )
    states = [
        OrderStatus.RECEIVED,
        OrderStatus.PROCESSING,
        OrderStatus.PICKING,
        OrderStatus.PACKING,
        OrderStatus.READY_TO_SHIP,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ]
    now = timezone.now()
    for n in range(21):
        moment = now - timedelta(days=n % 7, hours=n)
        with patch("django.utils.timezone.now", return_value=moment):
            order = order_in_state(
                states[n % len(states)],
                storefront=shop,
                payment_method=PaymentMethod.CARD,
                payment_status=PaymentStatus.PAID,
            )
        # Model defaults keep the real clock: date the placing and, a few hours apart,
        # each status change.
        Order.objects.filter(pk=order.pk).update(placed_at=moment)
        for step, event in enumerate(order.events.order_by("id")):
            OrderEvent.objects.filter(pk=event.pk).update(
                created_at=moment + timedelta(hours=step * (1 + n % 3))
            )


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/dashboard/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/dashboard/board/")


@pytest.mark.django_db(transaction=True)
def test_a_manager_sees_all_five_charts_drawn_without_errors(live_server, page):
    user_with_role(MANAGER, username="boss", password="boss-pass-123")
    orders_of_the_last_days()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    # The browser asks for a favicon by itself; the project has none, and its 404 is not ours.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    # Drawn at once, without the entry animation, so the pixels can be read straight away.
    page.emulate_media(reduced_motion="reduce")

    log_in(page, live_server.url, "boss", "boss-pass-123")
    page.goto(f"{live_server.url}/dashboard/kpi/")
    page.wait_for_function(
        "ids => ids.every(id => window.Chart && Chart.getChart(document.getElementById(id)))",
        arg=CHARTS,
    )

    drawn = page.evaluate(
        """ids => ids.map(id => {
            const canvas = document.getElementById(id);
            const blank = document.createElement("canvas");
            blank.width = canvas.width;
            blank.height = canvas.height;
            const chart = Chart.getChart(canvas);
            return {
                id,
                width: canvas.width,
                inked: canvas.toDataURL().length > blank.toDataURL().length,
                points: chart.data.datasets.reduce((sum, d) => sum + d.data.length, 0),
            };
        })""",
        CHARTS,
    )
    for chart in drawn:
        assert chart["width"] > 0, chart
        assert chart["inked"], chart
        assert chart["points"] > 0, chart
    assert page.get_by_role("heading", level=2).count() == 5
    assert page.get_by_role("img", name="Stacked bar chart: orders per day by status").count() == 1
    assert problems == []

    # The numbers are there to read too.
    page.locator("[data-kpi=backlog] summary").click()
    assert page.locator("table[data-table=backlog]").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "kpi-charts.png"), full_page=True)
