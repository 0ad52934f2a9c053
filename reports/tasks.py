"""Celery tasks that make finance reports."""

from celery import shared_task

from .models import ReportTrigger
from .services import report_run_make_now, report_runs_schedule


@shared_task(name="reports.report_run_make", ignore_result=True)
def report_run_make(run_id: int) -> None:
    """Make one report run's files (and e-mail it when scheduled); safe to run twice."""
    report_run_make_now(run_id)


@shared_task(name="reports.daily_reports", ignore_result=True)
def daily_reports() -> None:
    """Beat, every morning: yesterday's report for each storefront with recipients."""
    report_runs_schedule(trigger=ReportTrigger.DAILY)


@shared_task(name="reports.monthly_reports", ignore_result=True)
def monthly_reports() -> None:
    """Beat, on the 1st: last month's report for each storefront with recipients."""
    report_runs_schedule(trigger=ReportTrigger.MONTHLY)
