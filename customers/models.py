"""Customers of a storefront and their addresses."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person who buys from one storefront.

    Customers are scoped per storefront: two shops that sell to the same
    e-mail address keep separate records, so one shop's data never changes
    what another sees.
    """

    storefront = models.ForeignKey(
        "orders.Storefront", on_delete=models.PROTECT, related_name="customers"
    )
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                "storefront", Lower("email"), name="customer_unique_email_per_storefront"
            ),
        ]
        indexes = [models.Index(Lower("email"), name="customer_email_lower_idx")]

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
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        parts = [self.name, self.line1, self.line2, self.city, self.postal_code, self.country]
        return ", ".join(part for part in parts if part)
