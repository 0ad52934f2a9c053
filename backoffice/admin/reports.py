from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reports.models import CarrierRate, LedgerEntry, ReportRun, StorefrontCostRates
from reports.services import rate_amount_errors

from .money import money_column


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """The ledger is read here; it is written by the services and corrected by new entries."""

    list_display = [
        "occurred_at",
        "storefront",
        "order",
        "kind",
        "amount_display",
        "payment_method",
        "region",
        "corrects",
    ]
    list_filter = ["kind", "storefront", "payment_method", "region", "currency"]
    search_fields = ["order__number", "note"]
    list_select_related = ["storefront", "order", "region"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    amount_display = money_column("amount", _("amount"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class RateForm(forms.ModelForm):
    """Rates typed in the admin pass the finance pages' check: the currency's decimals."""

    money_fields: tuple[str, ...] = ()

    def clean(self) -> dict:
        cleaned = super().clean()
        storefront = cleaned.get("storefront") or getattr(self.instance, "storefront", None)
        if storefront is not None:
            amounts = {f: cleaned[f] for f in self.money_fields if cleaned.get(f) is not None}
            for field, problems in rate_amount_errors(storefront.currency, **amounts).items():
                self.add_error(field, problems)
        return cleaned


class CostRatesForm(RateForm):
    money_fields = ("packaging_per_package", "handling_per_order")


class CarrierRateForm(RateForm):
    money_fields = ("per_shipment", "per_kg")


@admin.register(StorefrontCostRates)
class StorefrontCostRatesAdmin(admin.ModelAdmin):
    form = CostRatesForm
    list_display = [
        "storefront",
        "packaging_per_package_display",
        "handling_per_order_display",
        "report_recipients",
    ]
    list_select_related = ["storefront"]
    packaging_per_package_display = money_column(
        "packaging_per_package", _("packaging per package"), currency="storefront.currency"
    )
    handling_per_order_display = money_column(
        "handling_per_order", _("handling per shipped order"), currency="storefront.currency"
    )


@admin.register(CarrierRate)
class CarrierRateAdmin(admin.ModelAdmin):
    form = CarrierRateForm
    list_display = ["storefront", "carrier", "per_shipment_display", "per_kg_display"]
    list_filter = ["storefront", "carrier"]
    list_select_related = ["storefront", "carrier"]
    per_shipment_display = money_column(
        "per_shipment", _("per shipment"), currency="storefront.currency"
    )
    per_kg_display = money_column("per_kg", _("per kg"), currency="storefront.currency")


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Runs are made by the workers; here they are read, with their files and errors."""

    list_display = [
        "created_at",
        "trigger",
        "period_start",
        "period_end",
        "storefront",
        "status",
        "progress",
        "emailed_to",
    ]
    list_filter = ["trigger", "status", "storefront"]
    readonly_fields = [field.name for field in ReportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
