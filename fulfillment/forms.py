"""The form that opens an after-sales request, for every face that has one.

The customer's tracking page and the staff dashboard's order page both use it,
each with the kinds it offers; the request itself is opened by
`fulfillment.services.after_sales.after_sales_request_open`, which checks
everything again (kind allowed now, lines, photo).
"""

import secrets
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine
from shared.forms import LineCountsMixin

from .models import AfterSalesKind


class AfterSalesRequestForm(LineCountsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to do?"),
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

    def __init__(
        self,
        *args: Any,
        order_lines: list[OrderLine],
        kinds: Sequence[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", secrets.token_hex(16))
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]
        self.fields["photo"].help_text = gettext(
            "A JPEG, PNG or WebP photo of up to %(limit)s."
        ) % {"limit": filesizeformat(settings.AFTER_SALES_PHOTO_MAX_BYTES)}
        self.line_counts_add(order_lines)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        # Only a problem report may name no items (the service says the same).
        if kind and kind != AfterSalesKind.COMPLAINT and not self.line_counts():
            raise forms.ValidationError(
                _("Choose which items, and how many of each, this is about."), code="no_lines"
            )
        return cleaned
