"""Report runs: made by a worker, stored with their files, e-mailed when scheduled."""

from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from orders.roles import FINANCE, WAREHOUSE
from orders.tests.factories import StorefrontFactory, order_new, user_with_role
from reports.models import ReportRun, ReportRunStatus, ReportTrigger, StorefrontCostRates
from reports.services import report_run_make_now, report_run_start, report_runs_schedule

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("tasks_in_process")
def test_an_on_demand_run_stores_its_parameters_and_three_files():
    order_new(payment_method="card", payment_status="paid")
    today = date.today()

    run = report_run_start(start=today, end=today, actor=user_with_role(FINANCE))

    run.refresh_from_db()
    assert (run.status, run.progress, run.trigger) == (ReportRunStatus.DONE, 100, "on_demand")
    assert run.csv_file.read().decode().startswith("storefront,payment_method,currency,orders")
    assert b"Finance report" in run.html_file.read()
    workbook = load_workbook(run.xlsx_file.path, read_only=True)
    assert workbook.sheetnames == ["Summary", "By region", "Open money", "Orders"]
    orders_sheet = list(workbook["Orders"].iter_rows(values_only=True))
    assert orders_sheet[1][4] == 355001  # revenue of the one order
    assert run.emailed_to == ""  # on demand: downloaded, not mailed


def test_bad_periods_and_people_are_refused_before_anything_is_queued():
    from shared.errors import OrderValidationError, TransitionPermissionDenied

    with pytest.raises(TransitionPermissionDenied):
        report_run_start(
            start=date(2026, 10, 1), end=date(2026, 10, 2), actor=user_with_role(WAREHOUSE)
        )
    with pytest.raises(OrderValidationError, match="ends before it starts"):
        report_run_start(start=date(2026, 10, 2), end=date(2026, 10, 1))
    with pytest.raises(OrderValidationError, match="at most 366 days"):
        report_run_start(start=date(2025, 1, 1), end=date(2026, 10, 1))
    assert not ReportRun.objects.exists()


@pytest.mark.usefixtures("tasks_in_process")
def test_scheduled_reports_go_once_to_each_storefronts_recipients(mailoutbox):
    with_recipients = StorefrontFactory(code="mailed", name="Mailed")
    StorefrontCostRates.objects.create(
        storefront=with_recipients,
        handling_per_order=Decimal("0"),
        report_recipients="cfo@shop.example\naccounts@shop.example",
    )
    StorefrontCostRates.objects.create(storefront=StorefrontFactory(code="quiet"))

    first = report_runs_schedule(trigger=ReportTrigger.MONTHLY, today=date(2026, 11, 1))
    again = report_runs_schedule(trigger=ReportTrigger.MONTHLY, today=date(2026, 11, 1))

    assert len(first) == 1 and again == []
    run = ReportRun.objects.get()
    assert (run.period_start, run.period_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert run.status == ReportRunStatus.DONE
    [mail] = mailoutbox
    assert mail.to == ["cfo@shop.example", "accounts@shop.example"]
    assert mail.subject == "Mailed: finance report 2026-10-01 to 2026-10-31"
    assert [name for name, *_ in mail.attachments] == [
        "finance-mailed-2026-10-01-2026-10-31.csv",
        "finance-mailed-2026-10-01-2026-10-31.xlsx",
    ]
    assert "text/html" in [kind for _, kind in mail.alternatives]


def test_a_run_is_made_once_even_if_the_task_runs_twice():
    run = report_run_start(start=date(2026, 10, 1), end=date(2026, 10, 1))

    report_run_make_now(run.pk)
    first_file = ReportRun.objects.get(pk=run.pk).csv_file.name
    report_run_make_now(run.pk)

    assert ReportRun.objects.get(pk=run.pk).csv_file.name == first_file


def test_daily_schedule_covers_yesterday():
    storefront = StorefrontFactory(code="daily")
    StorefrontCostRates.objects.create(storefront=storefront, report_recipients="a@b.example")

    [run] = report_runs_schedule(trigger=ReportTrigger.DAILY, today=date(2026, 11, 22))

    assert (run.period_start, run.period_end) == (date(2026, 11, 21), date(2026, 11, 21))
