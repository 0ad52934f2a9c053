"""Report runs: record what was asked, make the files in a worker, e-mail scheduled ones."""

import logging
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import Storefront
from shared.errors import OrderValidationError, TransitionPermissionDenied
from shared.money import amount_in_minor_units
from shared.outbox import enqueue

from .exports import finance_report_build, report_csv, report_html, report_xlsx
from .models import CarrierRate, ReportRun, ReportRunStatus, ReportTrigger, StorefrontCostRates
from .selectors import ReportPeriod, report_day_check

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
    report_day_check(start, field="from")
    report_day_check(end, field="to")
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
    # By name: the tasks module imports this one, not the other way round.
    enqueue("reports.report_run_make", run_id)


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


# -- cost rates: what packing, handling and carriers cost each storefront -------------
#
# The permissions are the models' own, as the admin used them: `add_` to set a
# storefront's first rates or a new carrier rate, `change_` to change them.


def user_may_see_cost_rates(user: Any) -> bool:
    """Return whether `user` may read the storefronts' cost rates or the carrier rates."""
    return user.has_perm("reports.view_storefrontcostrates") or user.has_perm(
        "reports.view_carrierrate"
    )


def user_may_set_cost_rates(user: Any, *, exists: bool) -> bool:
    """Return whether `user` may set a storefront's cost rates (add them, or change them)."""
    action = "change" if exists else "add"
    return user.has_perm(f"reports.{action}_storefrontcostrates")


def user_may_set_carrier_rate(user: Any, *, exists: bool) -> bool:
    """Return whether `user` may add a carrier rate, or change one that `exists`."""
    action = "change" if exists else "add"
    return user.has_perm(f"reports.{action}_carrierrate")


def rate_amount_errors(currency: str, **amounts: Decimal | None) -> dict[str, list[str]]:
    """Return the problems of rates typed for a storefront in `currency`, by field.

    The one check of a rate on every face (dashboard, admin): zero or more, and
    no more decimals than the currency has (a VND rate of 1.5 is refused, not
    rounded), by the same `amount_in_minor_units` as every typed amount.
    """
    errors = {}
    for field, amount in amounts.items():
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
            errors[field] = [_("Must be zero or more.")]
            continue
        try:
            amount_in_minor_units(amount, currency, field=field)
        except OrderValidationError as error:
            errors[field] = [str(problem) for problem in error.details.get(field, [])] or [
                error.message
            ]
    return errors


def _recipient_errors(report_recipients: str) -> dict[str, list[str]]:
    bad = []
    for address in StorefrontCostRates(report_recipients=report_recipients).recipients:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if not bad:
        return {}
    return {
        "report_recipients": [
            _("Not an e-mail address: %(addresses)s") % {"addresses": ", ".join(bad)}
        ]
    }


def _refuse_invalid(errors: dict[str, list[str]]) -> None:
    if errors:
        raise OrderValidationError(_("Check the rates."), details=errors)


def cost_rates_update(
    *,
    storefront: Storefront,
    packaging_per_package: Decimal,
    handling_per_order: Decimal,
    report_recipients: str,
    actor: Any,
) -> StorefrontCostRates:
    """Set `storefront`'s packaging and handling rates and report recipients (made if none)."""
    report_recipients = (report_recipients or "").strip()
    with transaction.atomic():
        # The storefront's row, locked, serialises the first save of its rates too
        # (a lock on rates that do not exist yet would lock nothing).
        Storefront.objects.select_for_update().filter(pk=storefront.pk).first()
        rates = StorefrontCostRates.objects.filter(storefront=storefront).first()
        if not user_may_set_cost_rates(actor, exists=rates is not None):
            raise TransitionPermissionDenied(_("You may not set cost rates."))
        _refuse_invalid(
            rate_amount_errors(
                storefront.currency,
                packaging_per_package=packaging_per_package,
                handling_per_order=handling_per_order,
            )
            | _recipient_errors(report_recipients)
        )
        if rates is None:
            rates = StorefrontCostRates(storefront=storefront)
        rates.packaging_per_package = packaging_per_package
        rates.handling_per_order = handling_per_order
        rates.report_recipients = report_recipients
        rates.save()
    return rates


def carrier_rate_create(
    *,
    storefront: Storefront,
    carrier: Any,
    per_shipment: Decimal,
    per_kg: Decimal,
    actor: Any,
) -> CarrierRate:
    """Record what `carrier` charges `storefront`: a base price per shipment plus per kg."""
    if not user_may_set_carrier_rate(actor, exists=False):
        raise TransitionPermissionDenied(_("You may not set carrier rates."))
    _refuse_invalid(
        rate_amount_errors(storefront.currency, per_shipment=per_shipment, per_kg=per_kg)
    )
    try:
        with transaction.atomic():
            return CarrierRate.objects.create(
                storefront=storefront, carrier=carrier, per_shipment=per_shipment, per_kg=per_kg
            )
    except IntegrityError:  # the unique (storefront, carrier) constraint
        raise OrderValidationError(
            _("This carrier already has a rate for this storefront: change that one."),
            details={"carrier": [_("Already has a rate for this storefront.")]},
        ) from None


def carrier_rate_update(
    *, rate: CarrierRate | int, per_shipment: Decimal, per_kg: Decimal, actor: Any
) -> CarrierRate:
    """Change a carrier rate's prices; bookings made before keep the cost they had."""
    if not user_may_set_carrier_rate(actor, exists=True):
        raise TransitionPermissionDenied(_("You may not set carrier rates."))
    with transaction.atomic():
        rate_id = rate.pk if isinstance(rate, CarrierRate) else rate
        locked = (
            CarrierRate.objects.select_for_update(of=("self",))
            .select_related("storefront")
            .filter(pk=rate_id)
            .first()
        )
        if locked is None:
            raise OrderValidationError(_("This carrier rate no longer exists."))
        _refuse_invalid(
            rate_amount_errors(locked.storefront.currency, per_shipment=per_shipment, per_kg=per_kg)
        )
        locked.per_shipment = per_shipment
        locked.per_kg = per_kg
        locked.save(update_fields=["per_shipment", "per_kg"])
    return locked
