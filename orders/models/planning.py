"""How work is organised: departments, teams, regions, categories, service levels.

orders.planning routes orders to teams and keeps their stages' due times with these.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .orders import Order, OrderStatus, Priority
from .storefronts import Storefront


class Department(models.Model):
    """A part of the business (warehouse, shipping, customer care) that owns stages."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    # For storefronts managed by function: the order statuses this department works on.
    stages = models.JSONField(
        _("stages"),
        default=list,
        blank=True,
        help_text=_('Order statuses it owns, e.g. ["picking", "packing"].'),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """People who work a queue together, with a lead who is alerted about late orders."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="teams", verbose_name=_("department")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
        verbose_name=_("lead"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """Where orders go, by country and optionally postal-code prefixes; owned by a team."""

    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    postal_code_prefixes = models.CharField(
        _("postal-code prefixes"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated, e.g. 70, 71; empty for the whole country."),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="regions", verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"

    @property
    def prefixes(self) -> list[str]:
        return [
            prefix.strip().replace(" ", "").upper()
            for prefix in self.postal_code_prefixes.split(",")
            if prefix.strip()
        ]


class ProductCategory(models.Model):
    """A category of goods (as storefronts name it on order lines), owned by a team."""

    name = models.CharField(
        _("name"), max_length=100, unique=True, help_text=_("As sent in order lines' category.")
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="categories", verbose_name=_("team")
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceLevel(models.Model):
    """Target business hours per stage for a storefront's orders of one priority."""

    storefront = models.ForeignKey(
        Storefront, on_delete=models.CASCADE, related_name="service_levels"
    )
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices)
    processing_hours = models.DecimalField(_("processing (h)"), max_digits=6, decimal_places=2)
    picking_hours = models.DecimalField(_("picking (h)"), max_digits=6, decimal_places=2)
    packing_hours = models.DecimalField(_("packing (h)"), max_digits=6, decimal_places=2)
    ready_to_ship_hours = models.DecimalField(
        _("ready to ship (h)"), max_digits=6, decimal_places=2
    )
    shipping_hours = models.DecimalField(_("shipping (h)"), max_digits=6, decimal_places=2)
    shipping_hours_abroad = models.DecimalField(
        _("shipping abroad (h)"), max_digits=6, decimal_places=2
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")
        ordering = ["storefront", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["storefront", "priority"], name="service_level_unique_per_priority"
            ),
            models.CheckConstraint(
                condition=Q(processing_hours__gt=0)
                & Q(picking_hours__gt=0)
                & Q(packing_hours__gt=0)
                & Q(ready_to_ship_hours__gt=0)
                & Q(shipping_hours__gt=0)
                & Q(shipping_hours_abroad__gt=0),
                name="service_level_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.storefront} · {self.get_priority_display()}"


class Holiday(models.Model):
    """A day the business does not work: no business hours are counted on it."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class SlaAlertKind(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    OVERDUE = "overdue", _("Overdue")


class SlaAlert(models.Model):
    """One breach of a stage's service level: at most one per order, stage and kind."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sla_alerts")
    stage = models.CharField(_("stage"), max_length=20, choices=OrderStatus.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=SlaAlertKind.choices)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="sla_alerts"
    )
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    # The lead's e-mail is sent from these rows (an outbox): unsent ones are retried.
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service-level alert")
        verbose_name_plural = _("service-level alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "stage", "kind"], name="sla_alert_once_per_breach"
            )
        ]
        indexes = [models.Index(fields=["emailed_at"], name="sla_alert_unsent_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.stage} {self.kind}"
