"""The customer's return or complaint form on the tracking page."""

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fulfillment.models import AfterSalesKind
from orders.models import OrderLine

# What a customer may open from the page; warranty claims go through the shop.
CUSTOMER_KINDS = [
    (AfterSalesKind.RETURN, _("Return items for a refund")),
    (AfterSalesKind.EXCHANGE, _("Exchange items")),
    (AfterSalesKind.COMPLAINT, _("Report a problem")),
]


class AfterSalesForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=CUSTOMER_KINDS,
        widget=forms.RadioSelect,
        initial=AfterSalesKind.RETURN,
    )
    reason = forms.CharField(
        label=_("What is wrong?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    # A fresh key per page view: the same form sent twice opens one request.
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, order_lines: list[OrderLine], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", secrets.token_hex(16))
        super().__init__(*args, **kwargs)
        self.fields["photo"].help_text = gettext(
            "A JPEG, PNG or WebP photo of up to %(limit)s."
        ) % {"limit": filesizeformat(settings.AFTER_SALES_PHOTO_MAX_BYTES)}
        self.order_lines = order_lines
        for line in order_lines:
            self.fields[self.line_field_name(line)] = forms.IntegerField(
                label=line.name,
                min_value=0,
                max_value=line.quantity,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    @staticmethod
    def line_field_name(line: OrderLine) -> str:
        return f"line_{line.pk}"

    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[self.line_field_name(line)]) for line in self.order_lines]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = self.chosen_lines()
        if cleaned.get("kind") in (AfterSalesKind.RETURN, AfterSalesKind.EXCHANGE) and not chosen:
            raise forms.ValidationError(
                _("Choose which items, and how many of each, this is about."), code="no_lines"
            )
        return cleaned

    def chosen_lines(self) -> list[dict[str, Any]]:
        """The items and quantities picked, as the after-sales service takes them."""
        return [
            {"sku": line.sku, "quantity": self.cleaned_data[self.line_field_name(line)]}
            for line in self.order_lines
            if self.cleaned_data.get(self.line_field_name(line))
        ]
