"""Report runs: record what was asked, make the files in a worker, e-mail scheduled ones."""

import logging
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.exceptions import OrderValidationError, TransitionPermissionDenied
from orders.models import Storefront
from orders_project.celery import enqueue

from .exports import finance_report_build, report_csv, report_html, report_xlsx
from .models import ReportRun, ReportRunStatus, ReportTrigger, StorefrontCostRates
from .selectors import ReportPeriod

logger = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
REPORT_PERMISSION = "reports.view_ledgerentry"


def report_run_start(
    *,
    start: date,
    end: date,
    storefront: Storefront | None = None,
    trigger: str = ReportTrigger.ON_DEMAND,
    actor: Any = None,
) -> ReportRun:
    """Record a report to make and queue it; a worker makes the files."""
    if actor is not None and not actor.has_perm(REPORT_PERMISSION):
        raise TransitionPermissionDenied("You may not run finance reports.")
    if end < start:
        raise OrderValidationError(
            "The period ends before it starts.", details={"to": ["Must be on or after 'from'."]}
        )
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise OrderValidationError(
            f"A report covers at most {MAX_PERIOD_DAYS} days.",
            details={"to": [f"At most {MAX_PERIOD_DAYS} days after 'from'."]},
        )
    with transaction.atomic():
        run = ReportRun.objects.create(
            trigger=trigger,
            period_start=start,
            period_end=end,
            storefront=storefront,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import report_run_make

    enqueue(report_run_make, run_id)


def _progress(run_id: int, percent: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(progress=max(0, min(percent, 99)))


def report_run_make_now(run_id: int) -> ReportRun:
    """Make the run's files; e-mail a scheduled report to the storefront's recipients."""
    claimed = ReportRun.objects.filter(pk=run_id, status=ReportRunStatus.QUEUED).update(
        status=ReportRunStatus.RUNNING, started_at=timezone.now(), progress=1
    )
    run = ReportRun.objects.select_related("storefront").get(pk=run_id)
    if not claimed:  # done, failed, or another worker has it
        return run
    try:
        period = ReportPeriod(run.period_start, run.period_end)
        report = finance_report_build(period, storefront=run.storefront)
        _progress(run.pk, 10)
        scope = run.storefront.code if run.storefront else "all"
        name = f"finance-{scope}-{period.start}-{period.end}"
        csv_content = report_csv(report)
        html_content = report_html(report)
        _progress(run.pk, 20)
        xlsx_content = report_xlsx(
            report, progress=lambda done, total: _progress(run.pk, 20 + 75 * done // max(total, 1))
        )
        run.csv_file.save(f"{name}.csv", ContentFile(csv_content), save=False)
        run.html_file.save(f"{name}.html", ContentFile(html_content.encode()), save=False)
        run.xlsx_file.save(f"{name}.xlsx", ContentFile(xlsx_content), save=False)
        recipients = _recipients(run)
        if recipients and run.trigger != ReportTrigger.ON_DEMAND:
            _report_mail(run, recipients, name, csv_content, xlsx_content, html_content)
            run.emailed_to = ", ".join(recipients)
        run.status = ReportRunStatus.DONE
        run.progress = 100
    except Exception as error:
        logger.exception("report run %s failed", run.pk)
        run.status = ReportRunStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:2000]
    run.finished_at = timezone.now()
    run.save()
    return run


def _recipients(run: ReportRun) -> list[str]:
    if run.storefront is None:
        return []
    rates = StorefrontCostRates.objects.filter(storefront=run.storefront).first()
    return rates.recipients if rates else []


def _report_mail(
    run: ReportRun, recipients: list[str], name: str, csv_content: bytes, xlsx: bytes, html: str
) -> None:
    subject = f"{run.storefront.name}: finance report {run.period_start} to {run.period_end}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=f"{subject}. The CSV and XLSX are attached; the summary is in this e-mail.",
        to=recipients,
    )
    message.attach_alternative(html, "text/html")
    message.attach(f"{name}.csv", csv_content, "text/csv")
    message.attach(
        f"{name}.xlsx",
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    message.send()


def report_runs_schedule(*, trigger: str, today: date | None = None) -> list[ReportRun]:
    """Queue yesterday's (daily) or last month's (monthly) report for each storefront
    that has finance recipients; once per storefront and period, however often it runs."""
    today = today or timezone.localdate()
    if trigger == ReportTrigger.DAILY:
        start = end = today - timedelta(days=1)
    elif trigger == ReportTrigger.MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    else:
        raise ValueError(f"Not a scheduled trigger: {trigger}")
    runs = []
    for rates in StorefrontCostRates.objects.select_related("storefront").exclude(
        report_recipients=""
    ):
        if not rates.recipients or not rates.storefront.is_active:
            continue
        try:
            with transaction.atomic():
                runs.append(
                    report_run_start(
                        start=start, end=end, storefront=rates.storefront, trigger=trigger
                    )
                )
        except IntegrityError:  # already queued for this period
            continue
    return runs
