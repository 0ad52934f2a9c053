"""End to end in Debian's Chromium: a lead moves 100 orders at once and reads each result."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from orders.models import BulkJob, Order, OrderStatus
from orders.roles import WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make, team_create

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
def test_a_lead_runs_a_bulk_transition_over_100_orders_and_sees_each_result(live_server, page):
    lead = user_with_role(WAREHOUSE, username="lead", password="lead-pass-123")
    mine, theirs = team_create("day"), team_create("night")
    mine.members.add(lead)
    mine.lead = lead
    mine.save()
    orders = [order_make("processing") for _ in range(100)]
    Order.objects.filter(pk__in=[o.pk for o in orders[:80]]).update(team=mine)
    Order.objects.filter(pk__in=[o.pk for o in orders[80:]]).update(team=theirs)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("lead-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/dashboard/queue/processing/?per_page=500")
    page.get_by_label("Select all on this page").check()
    expect(page.locator('input[name="orders"]:checked')).to_have_count(100)
    page.get_by_label("Move selected orders").select_option("start_picking")
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Start picking: 80 of 100 orders can take it now"
    )
    expect(page.locator(".bulk-refused tbody tr")).to_have_count(20)
    expect(page.locator(".bulk-refused")).to_contain_text("belongs to team Night")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-bulk-preview.png"), full_page=True)
    page.get_by_role("button", name="Start picking: 80 orders").click()

    expect(page.locator("#bulk-progress label")).to_have_text("80 of 80 orders processed")
    expect(page.locator("#bulk-progress-bar")).to_have_attribute("value", "80")
    expect(page.locator(".bulk-result--succeeded")).to_have_count(80)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-bulk-results.png"), full_page=True)
    assert BulkJob.objects.get().total == 80
    moved = Order.objects.filter(status=OrderStatus.PICKING, team=mine).count()
    untouched = Order.objects.filter(status=OrderStatus.PROCESSING, team=theirs).count()
    assert (moved, untouched) == (80, 20)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("tasks_in_process")
def test_orders_that_change_after_the_preview_are_reported_one_by_one(live_server, page):
    lead = user_with_role(WAREHOUSE, username="lead2", password="lead-pass-123")
    orders = [order_make("processing") for _ in range(5)]

    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Username").fill("lead2")
    page.get_by_label("Password").fill("lead-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/dashboard/queue/processing/")
    page.get_by_label("Select all on this page").check()
    page.get_by_label("Move selected orders").select_option("start_picking")
    page.get_by_role("button", name="Preview").click()
    # Someone else moves two of them on before the lead confirms.
    from orders.services import order_transition

    for order in orders[:2]:
        order_transition(order=order, transition="start_picking", actor=None)
    page.get_by_role("button", name="Start picking: 5 orders").click()

    expect(page.locator(".bulk-result--failed")).to_have_count(2)
    expect(page.locator(".bulk-result--succeeded")).to_have_count(3)
    expect(page.locator(".bulk-result--failed").first).to_contain_text("its status is 'picking'")
    assert lead.bulk_jobs.get().items.count() == 5
