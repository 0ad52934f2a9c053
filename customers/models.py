"""Customers of a storefront and their addresses."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person who buys from one storefront.

    Customers are scoped per storefront: two shops that sell to the same
    e-mail address keep separate records, so one shop's data never changes
    what another sees.
    """

    storefront = models.ForeignKey(
        "orders.Storefront",
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # the unique (storefront, lower(email)) index leads with it
    )
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Storefronts managed "direct": the team that owns this customer's orders.
    account_team = models.ForeignKey(
        "orders.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("account team"),
    )
    # Set from the link in every e-mail; essential messages (cancellation, refund) still go.
    marketing_opt_out_at = models.DateTimeField(
        _("opted out of non-essential e-mails at"), null=True, blank=True
    )
    # Set when a manager erased the person's data (privacy.services); the row stays for the orders.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("export_customer", "Can export a customer's personal data"),
            ("erase_customer", "Can erase a customer's personal data"),
        ]
        constraints = [
            models.UniqueConstraint(
                "storefront", Lower("email"), name="customer_unique_email_per_storefront"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class Address(models.Model):
    """A postal address as it was given for an order; kept unchanged afterwards."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", null=True, blank=True
    )
    name = models.CharField(_("recipient name"), max_length=200)
    line1 = models.CharField(_("address line 1"), max_length=255)
    line2 = models.CharField(_("address line 2"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120)
    # State or province as the shop gave it (Shopify `province_code`, WooCommerce `state`).
    province = models.CharField(_("province or state"), max_length=120, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = [
            self.name,
            self.line1,
            self.line2,
            self.city,
            self.province,
            self.postal_code,
            self.country,
        ]
        return ", ".join(part for part in parts if part)


class PersonalDataActionKind(models.TextChoices):
    EXPORT = "export", _("Export")
    ERASURE = "erasure", _("Erasure")


class PersonalDataAction(models.Model):
    """Who exported or erased a customer's personal data, when and why: the audit trail.

    It holds no personal data itself, so it outlives the erasure it records.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="personal_data_actions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=PersonalDataActionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when run from the command line."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # What was done, as counts of rows (never their content).
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("personal data action")
        verbose_name_plural = _("personal data actions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} of customer {self.customer_id}"
