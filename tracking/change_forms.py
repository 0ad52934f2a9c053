"""The tracking page's forms for asking a change before the order ships.

They check shape only; `orders.services.change_request_submit` checks the
rest (when the order still allows it, the quantities, a pending request) and
its refusals land on these forms' fields.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import ChangeRequestKind, OrderLine
from orders.services.change_requests import ADDRESS_FIELDS, MESSAGE_MAX_LENGTH
from shared.forms import LineCountsMixin

_LONGEST = {name: longest for name, _required, longest in ADDRESS_FIELDS}


def _message_field() -> forms.CharField:
    return forms.CharField(
        label=_("Message to us (optional)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AddressChangeForm(forms.Form):
    """A new delivery address, as a whole."""

    name = forms.CharField(label=_("Recipient name"), max_length=_LONGEST["name"])
    line1 = forms.CharField(label=_("Address"), max_length=_LONGEST["line1"])
    line2 = forms.CharField(
        label=_("Address line 2 (optional)"), max_length=_LONGEST["line2"], required=False
    )
    city = forms.CharField(label=_("City"), max_length=_LONGEST["city"])
    province = forms.CharField(
        label=_("Province or state (optional)"), max_length=_LONGEST["province"], required=False
    )
    postal_code = forms.CharField(
        label=_("Postal code (optional)"), max_length=_LONGEST["postal_code"], required=False
    )
    country = forms.RegexField(
        label=_("Country code"),
        regex=r"^\s*[A-Za-z]{2}\s*$",
        max_length=4,
        help_text=_("Two letters, e.g. VN."),
        error_messages={"invalid": _("Use the two-letter country code, e.g. VN.")},
    )
    phone = forms.CharField(
        label=_("Phone for the courier (optional)"), max_length=_LONGEST["phone"], required=False
    )
    message = _message_field()

    prefix = "address"

    def change_data(self) -> dict[str, Any]:
        address = {name: self.cleaned_data.get(name, "") for name in _LONGEST}
        address["country"] = address["country"].strip().upper()
        return {"shipping_address": address}


class CancelRequestForm(LineCountsMixin, forms.Form):
    """The whole order, or some quantities of its lines."""

    kind = forms.ChoiceField(
        label=_("What would you like to cancel?"),
        widget=forms.RadioSelect,
        initial=ChangeRequestKind.CANCEL_ORDER,
    )
    message = _message_field()

    prefix = "cancel"

    def __init__(
        self, *args: Any, order_lines: list[OrderLine], kinds: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        words = {
            ChangeRequestKind.CANCEL_ORDER: _("The whole order"),
            ChangeRequestKind.CANCEL_ITEMS: _("Some items (choose how many of each)"),
        }
        self.fields["kind"].choices = [(kind, words[kind]) for kind in kinds if kind in words]
        if len(self.fields["kind"].choices) == 1:
            self.fields["kind"].initial = self.fields["kind"].choices[0][0]
        self.line_counts_add(order_lines)

    def change_data(self) -> dict[str, Any]:
        if self.cleaned_data["kind"] != ChangeRequestKind.CANCEL_ITEMS:
            return {}
        return {"lines": self.line_counts()}

    def field_for_detail(self, detail: str) -> str | None:
        """The form field a service refusal names ("lines[0].quantity" -> that line's field)."""
        if detail.startswith("lines[") and "]" in detail:
            index = detail[len("lines[") : detail.index("]")]
            asked = self.change_data().get("lines", [])
            if index.isdigit() and int(index) < len(asked):
                sku = asked[int(index)]["sku"]
                for line in self.order_lines:
                    if line.sku == sku:
                        return self.line_field_name(line)
        return None
