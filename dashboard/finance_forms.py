"""Forms of the finance pages: they check shape; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fulfillment.models import Carrier
from orders.models import Storefront
from reports.models import MONEY, LedgerKind
from reports.selectors import report_day_check
from shared.errors import OrderValidationError


def _money(label: str, *, minimum: int | None = 0) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=minimum,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _report_day(day):
    """The reports' rule on which years a day may be in, as a form error."""
    if day is not None:
        try:
            report_day_check(day, field="day")
        except OrderValidationError as error:
            raise forms.ValidationError(error.message, code="out_of_range") from None
    return day


class LedgerFilterForm(forms.Form):
    """GET filters of the ledger list; every field is optional."""

    storefront = forms.ModelChoiceField(
        label=_("Storefront"),
        queryset=Storefront.objects.order_by("name"),
        required=False,
        empty_label=_("All storefronts"),
        to_field_name="code",
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *LedgerKind.choices],
        required=False,
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    order = forms.CharField(
        label=_("Order number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_start(self):
        return _report_day(self.cleaned_data["start"])

    def clean_end(self):
        return _report_day(self.cleaned_data["end"])

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("Must be on or after the first day."))
        return cleaned

    def filters(self) -> dict:
        """The selector's arguments from the valid fields (an invalid field filters nothing)."""
        data: dict = {}
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the fields that are valid
            data = self.cleaned_data
        return {
            "storefront": data.get("storefront"),
            "kind": data.get("kind") or "",
            "start": data.get("start"),
            "end": data.get("end"),
            "order_number": data.get("order") or "",
        }


class LedgerCorrectionForm(forms.Form):
    """A correction of one entry: a signed amount in the entry's currency, and why."""

    amount = _money(_("Correction amount"), minimum=None)
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the entry for the auditors. Required."),
    )

    def __init__(self, *args, currency: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = _("Correction amount (%(currency)s)") % {"currency": currency}
        self.fields["amount"].help_text = _(
            "Negative to reduce the entry, positive to increase it; never 0."
        )


class CostRatesForm(forms.Form):
    packaging_per_package = _money(_("Packaging per package"))
    handling_per_order = _money(_("Handling per shipped order"))
    report_recipients = forms.CharField(
        label=_("Finance report recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E-mail addresses, one per line or comma-separated, for daily and monthly reports."
        ),
    )


class CarrierRateForm(forms.Form):
    per_shipment = _money(_("Per shipment"))
    per_kg = _money(_("Per kg"))


class CarrierRateCreateForm(CarrierRateForm):
    carrier = forms.ModelChoiceField(
        label=_("Carrier"), queryset=Carrier.objects.order_by("name"), empty_label=None
    )
    field_order = ["carrier", "per_shipment", "per_kg"]
