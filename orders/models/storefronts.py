"""Storefronts: the sales channels that send us orders, and their API keys."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


def generate_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class ManagementMode(models.TextChoices):
    BY_GOODS = "by_goods", _("By goods: teams own product categories")
    DIRECT = "direct", _("Direct: teams own named customers")
    GEOGRAPHIC = "geographic", _("Geographic: teams own regions")
    BY_FUNCTION = "by_function", _("By function: departments own stages")


class StorefrontQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # auto_now is the model's, not the queryset's: set it here too, because
        # order_transition keeps a storefront's row until its updated_at changes.
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)


class Storefront(models.Model):
    """A sales channel (web shop or marketplace) that sends us orders."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="VND", help_text=_("ISO 4217 code, e.g. VND or USD")
    )
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    # Kept in clear because outgoing webhooks are signed with it (HMAC needs the secret).
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=generate_webhook_secret
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Branding of customer e-mails and pages.
    brand_color = models.CharField(
        _("brand colour"), max_length=7, default="#1f6feb", help_text=_("e.g. #1f6feb")
    )
    support_email = models.EmailField(_("support e-mail"), blank=True)
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=30,
        help_text=_("After this many days a delivered order with nothing open is completed."),
    )
    ships_from_country = models.CharField(
        _("ships from (country)"),
        max_length=2,
        default="VN",
        help_text=_("ISO 3166-1 alpha-2; other destinations get the service level's abroad time"),
    )
    # The sender on shipping labels (fulfillment.labels): where parcels come back to.
    sender_name = models.CharField(
        _("sender name"),
        max_length=120,
        blank=True,
        help_text=_("On shipping labels; empty: the storefront's name"),
    )
    sender_address = models.TextField(
        _("sender address"),
        blank=True,
        help_text=_("The warehouse or return address printed on labels, one part per line"),
    )
    sender_phone = models.CharField(_("sender phone"), max_length=40, blank=True)
    # How `confirm` routes this storefront's orders to teams (see orders.planning).
    management_mode = models.CharField(
        _("management mode"),
        max_length=20,
        choices=ManagementMode.choices,
        default=ManagementMode.BY_FUNCTION,
    )
    default_team = models.ForeignKey(
        "orders.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default team"),
        help_text=_("Gets the orders that no category, customer, region or stage rule places."),
    )
    # The received stage's clock (orders.planning): confirming is the one stage before
    # routing, so its target is the storefront's, not a service level's.
    confirm_within_hours = models.DecimalField(
        _("confirm within (business hours)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(2),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("A received order not confirmed by then is overdue and raises an alert."),
    )
    auto_confirm_paid = models.BooleanField(
        _("confirm paid orders automatically"),
        default=False,
        help_text=_(
            "Confirm an order as soon as it is paid or authorized, or at once for cash on "
            "delivery; the system confirms it through the usual checks."
        ),
    )
    # Customers' change requests from the tracking page (fulfillment.services.change_requests):
    # granted at once where the storefront allows it, otherwise customer care decides.
    customer_address_changes_auto = models.BooleanField(
        _("apply customers' address changes at once"),
        default=False,
        help_text=_("A new delivery address asked for before packing starts is applied at once."),
    )
    customer_cancellations_auto = models.BooleanField(
        _("apply customers' cancellations at once"),
        default=False,
        help_text=_(
            "A cancellation (whole or some items) asked for before picking is applied at once."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StorefrontQuerySet.as_manager()

    class Meta:
        verbose_name = _("storefront")
        verbose_name_plural = _("storefronts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confirm_within_hours__gt=0),
                name="storefront_confirm_within_hours_positive",
            )
        ]

    def __str__(self) -> str:
        return self.name


class StorefrontAPIKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet:
        # Every authenticated request reads the key's storefront: fetch it in the same query.
        return super().get_usable_keys().select_related("storefront")


class StorefrontAPIKey(AbstractAPIKey):
    """An API key of one storefront; only a hash of the key is stored."""

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="api_keys")

    objects = StorefrontAPIKeyManager()

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("storefront API key")
        verbose_name_plural = _("storefront API keys")
