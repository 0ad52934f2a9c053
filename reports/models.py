"""Finance: an append-only ledger of what orders earn and cost, and the report runs."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class LedgerKind(models.TextChoices):
    # Money in: captured for card and invoice orders, at delivery for cash on delivery.
    REVENUE = "revenue", _("Revenue")
    # The shipping part of a revenue entry (already counted in it).
    SHIPPING_CHARGED = "shipping_charged", _("Shipping charged")
    REFUND = "refund", _("Refund")
    CARRIER_COST = "carrier_cost", _("Carrier cost")
    PACKAGING_COST = "packaging_cost", _("Packaging cost")
    HANDLING_COST = "handling_cost", _("Handling cost")
    # Cash of a cash-on-delivery order that reached us (its revenue was booked at delivery).
    COD_COLLECTED = "cod_collected", _("Cash on delivery collected")


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are never changed; add a correcting entry instead.")

    def delete(self):
        raise TypeError("Ledger entries are never deleted; add a correcting entry instead.")


class LedgerEntry(models.Model):
    """One amount of money an order earned or cost. Never edited: corrections are new entries."""

    storefront = models.ForeignKey(
        "orders.Storefront", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    shipment = models.ForeignKey(
        "fulfillment.Shipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    package = models.ForeignKey(
        "fulfillment.Package",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LedgerKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    # Copied from the order when written, so reports group without joins that can change.
    payment_method = models.CharField(_("payment method"), max_length=10)
    region = models.ForeignKey(
        "orders.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects entry"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["occurred_at", "storefront"], name="ledger_when_store_idx"),
            models.Index(fields=["order", "kind"], name="ledger_order_kind_idx"),
        ]
        constraints = [
            # Only a correction may be negative.
            models.CheckConstraint(
                condition=Q(amount__gte=0) | Q(corrects__isnull=False),
                name="ledger_amount_positive_unless_correction",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.order_id})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise TypeError("Ledger entries are never changed; add a correcting entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are never deleted; add a correcting entry instead.")


class StorefrontCostRates(models.Model):
    """What packing and handling an order costs the business, in the storefront's currency."""

    storefront = models.OneToOneField(
        "orders.Storefront", on_delete=models.CASCADE, related_name="cost_rates"
    )
    packaging_per_package = models.DecimalField(
        _("packaging per package"), **MONEY, default=Decimal("0")
    )
    handling_per_order = models.DecimalField(
        _("handling per shipped order"), **MONEY, default=Decimal("0")
    )
    report_recipients = models.TextField(
        _("finance report recipients"),
        blank=True,
        help_text=_(
            "E-mail addresses, one per line or comma-separated, for daily and monthly reports."
        ),
    )

    class Meta:
        verbose_name = _("storefront cost rates")
        verbose_name_plural = _("storefront cost rates")

    def __str__(self) -> str:
        return f"Cost rates of {self.storefront}"

    @property
    def recipients(self) -> list[str]:
        return [
            address.strip()
            for address in self.report_recipients.replace("\n", ",").split(",")
            if address.strip()
        ]


class CarrierRate(models.Model):
    """What a carrier charges a storefront per shipment: a base price plus a price per kg."""

    storefront = models.ForeignKey(
        "orders.Storefront", on_delete=models.CASCADE, related_name="carrier_rates"
    )
    carrier = models.ForeignKey(
        "fulfillment.Carrier", on_delete=models.CASCADE, related_name="rates"
    )
    per_shipment = models.DecimalField(_("per shipment"), **MONEY, default=Decimal("0"))
    per_kg = models.DecimalField(_("per kg"), **MONEY, default=Decimal("0"))

    class Meta:
        verbose_name = _("carrier rate")
        verbose_name_plural = _("carrier rates")
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "carrier"], name="carrier_rate_once_per_storefront"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier} for {self.storefront}"


class ReportTrigger(models.TextChoices):
    DAILY = "daily", _("Daily")
    MONTHLY = "monthly", _("Monthly")
    ON_DEMAND = "on_demand", _("On demand")


class ReportRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def report_file_path(run: "ReportRun", filename: str) -> str:
    return f"reports/{run.period_start:%Y/%m}/{filename}"


class ReportRun(models.Model):
    """One finance report made by a worker: its parameters, progress and files."""

    trigger = models.CharField(_("trigger"), max_length=10, choices=ReportTrigger.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    storefront = models.ForeignKey(
        "orders.Storefront",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
        help_text=_("Empty for every storefront."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportRunStatus.choices, default=ReportRunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    csv_file = models.FileField(_("CSV"), upload_to=report_file_path, blank=True)
    xlsx_file = models.FileField(_("XLSX"), upload_to=report_file_path, blank=True)
    html_file = models.FileField(_("summary"), upload_to=report_file_path, blank=True)
    emailed_to = models.TextField(_("e-mailed to"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Beat firing twice (or two beats) makes one scheduled report per storefront.
            models.UniqueConstraint(
                fields=["trigger", "storefront", "period_start", "period_end"],
                condition=~Q(trigger="on_demand"),
                name="report_run_scheduled_once",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="report_run_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} report {self.period_start} to {self.period_end}"
