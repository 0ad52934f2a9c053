"""The "take an order" page's forms: the order, its lines, and their checks together.

Shapes are checked here; what no order may be (currency, totals, column sizes,
permission) is the creation service's to refuse, and `TakeOrder.service_errors_onto`
puts its refusals back on the fields they name.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import OrderChannel, PaymentMethod, PaymentStatus, Priority, Storefront
from orders.services import storefronts_for_taking
from shared.errors import OrderValidationError
from shared.money import amount_in_minor_units

LINES_PREFIX = "lines"
LINES_AT_FIRST = 3
LINES_AT_MOST = 100

# The ways staff take orders on this page; the staff API is the API's own channel.
PAGE_CHANNELS = [
    (value, label) for value, label in OrderChannel.choices if value != OrderChannel.API
]
ARRIVING_PAYMENT_STATUSES = [
    (value, label)
    for value, label in PaymentStatus.choices
    if value in (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED, PaymentStatus.PAID)
]


class TakeOrderForm(forms.Form):
    storefront = forms.ModelChoiceField(
        label=_("Storefront"),
        queryset=Storefront.objects.none(),
        to_field_name="code",
        empty_label=_("Choose the storefront"),
    )
    channel = forms.ChoiceField(
        label=_("Taken by"), choices=PAGE_CHANNELS, initial=OrderChannel.PHONE
    )
    email = forms.EmailField(label=_("Customer's e-mail"), max_length=254)
    name = forms.CharField(label=_("Customer's name"), max_length=200)
    phone = forms.CharField(label=_("Customer's phone"), max_length=40, required=False)
    address_name = forms.CharField(
        label=_("Recipient"),
        max_length=200,
        required=False,
        help_text=_("Empty: the customer's name."),
    )
    line1 = forms.CharField(label=_("Address line 1"), max_length=255)
    line2 = forms.CharField(label=_("Address line 2"), max_length=255, required=False)
    city = forms.CharField(label=_("City"), max_length=120)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.RegexField(
        label=_("Country"),
        regex=r"^[A-Za-z]{2}$",
        max_length=2,
        help_text=_("Two letters (ISO 3166-1), e.g. VN."),
        error_messages={"invalid": _("Use a two-letter country code, e.g. VN.")},
    )
    address_phone = forms.CharField(
        label=_("Phone for the courier"),
        max_length=40,
        required=False,
        help_text=_("Empty: the customer's phone."),
    )
    shipping_price = forms.DecimalField(label=_("Shipping price"), min_value=0, initial=0)
    payment_method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices)
    payment_status = forms.ChoiceField(
        label=_("Payment status"), choices=ARRIVING_PAYMENT_STATUSES, initial=PaymentStatus.UNPAID
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.STANDARD
    )
    note = forms.CharField(
        label=_("Note for the history"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Internal: the customer never sees it."),
    )
    # A fresh token per page: it is the idempotency key, so a second submit of the
    # same page answers with the order the first one created.
    form_token = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": _("This page has no one-time token: open it again.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("form_token", secrets.token_hex(16))
        super().__init__(*args, **kwargs)
        self.fields["storefront"].queryset = storefronts_for_taking()

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()


class TakeOrderLineForm(forms.Form):
    sku = forms.CharField(
        label=_("SKU"),
        max_length=64,
        widget=forms.TextInput(attrs={"list": "sku-suggestions", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Item"), max_length=255, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100_000, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), min_value=0, required=False)


TakeOrderLineFormSet = forms.formset_factory(
    TakeOrderLineForm, extra=LINES_AT_FIRST, max_num=LINES_AT_MOST, absolute_max=LINES_AT_MOST
)


class TakeOrder:
    """The order form and its lines, checked together: prices need the storefront's currency."""

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        initial: dict[str, Any] | None = None,
        lines: list[dict[str, Any]] | None = None,
    ) -> None:
        self.form = TakeOrderForm(data, initial=initial or {})
        if data is None and lines:
            # Unbound again (a line was added): the rows as typed, and one empty row more.
            formset_class = forms.formset_factory(
                TakeOrderLineForm, extra=1, max_num=LINES_AT_MOST, absolute_max=LINES_AT_MOST
            )
            self.lines = formset_class(initial=lines, prefix=LINES_PREFIX)
        else:
            self.lines = TakeOrderLineFormSet(data, prefix=LINES_PREFIX)
        self.line_errors: list[str] = []

    @classmethod
    def with_a_line_more(cls, data: QueryDict) -> TakeOrder:
        """The page as posted, unchecked, with an empty line more."""
        fields = {name: data[name] for name in TakeOrderForm.base_fields if data.get(name)}
        rows = _posted_rows(data)
        return cls(initial=fields, lines=rows or [{}])

    def is_valid(self) -> bool:
        """Check every field; each line's price in the chosen storefront's currency."""
        valid = self.form.is_valid() & self.lines.is_valid()
        storefront = self.form.cleaned_data.get("storefront")
        filled = [form for form in self.lines if form.is_valid() and form.cleaned_data]
        if self.lines.is_valid() and not filled:
            self.line_errors.append(gettext("Add at least one line: a SKU, its name and price."))
            valid = False
        for form in filled:
            data = form.cleaned_data
            if not data.get("name"):
                form.add_error("name", gettext("Type the item's name (or preview the totals)."))
                valid = False
            if data.get("unit_price") is None:
                form.add_error("unit_price", gettext("Type the price (or preview the totals)."))
                valid = False
            elif storefront is not None:
                valid &= _amount_check(form, "unit_price", storefront.currency)
        if storefront is not None and self.form.cleaned_data.get("shipping_price") is not None:
            valid &= _amount_check(self.form, "shipping_price", storefront.currency)
        return valid

    @property
    def storefront(self) -> Storefront:
        return self.form.cleaned_data["storefront"]

    def order_fields(self) -> dict[str, Any]:
        """The creation service's fields (a valid form): customer, address, lines, payment."""
        data = self.form.cleaned_data
        return {
            "customer": {"email": data["email"], "name": data["name"], "phone": data["phone"]},
            "shipping_address": {
                "name": data["address_name"] or data["name"],
                "line1": data["line1"],
                "line2": data["line2"],
                "city": data["city"],
                "postal_code": data["postal_code"],
                "country": data["country"],
                "phone": data["address_phone"] or data["phone"],
            },
            "lines": [
                {
                    "sku": form.cleaned_data["sku"],
                    "name": form.cleaned_data["name"],
                    "quantity": form.cleaned_data["quantity"],
                    "unit_price": form.cleaned_data["unit_price"],
                }
                for form in self.lines
                if form.cleaned_data
            ],
            "shipping_price": data["shipping_price"],
            "payment_method": data["payment_method"],
            "payment_status": data["payment_status"],
            "priority": data["priority"],
        }

    def request_body(self) -> dict[str, Any]:
        """What this submission asked for, as the idempotency key remembers it."""
        data = self.form.cleaned_data
        return {
            **self.order_fields(),
            "storefront": data["storefront"].code,
            "channel": data["channel"],
            "note": data["note"],
        }

    def service_errors_onto(self, error: OrderValidationError) -> None:
        """Put the service's refusal on the fields it names (`lines[1].quantity`), else on top."""
        named = False
        for key, problems in error.details.items():
            messages = [str(problem) for problem in problems] if isinstance(problems, list) else []
            target, field = self._field_of(key)
            if target is None or not messages:
                continue
            for message in messages:
                target.add_error(field, message)
            named = True
        if not named:
            self.form.add_error(None, error.message)

    def _field_of(self, key: str) -> tuple[forms.Form | None, str | None]:
        line = re.fullmatch(r"lines\[(\d+)\](?:\.(\w+))?", key)
        if line:
            filled = [form for form in self.lines if form.cleaned_data]
            index, field = int(line.group(1)), line.group(2)
            if index < len(filled):
                form = filled[index]
                return form, field if field in form.fields else None
            return None, None
        field = key.split(".")[-1]
        if key.startswith("shipping_address.") and field == "name":
            field = "address_name"
        if field in self.form.fields:
            return self.form, field
        return None, None


def _amount_check(form: forms.Form, field: str, currency: str) -> bool:
    """Refuse an amount with more decimals than the currency has (VND none), on its field."""
    try:
        amount_in_minor_units(form.cleaned_data[field], currency, field=field)
    except OrderValidationError as error:
        for problem in error.details.get(field, [error.message]):
            form.add_error(field, str(problem))
        return False
    return True


def _posted_rows(data: QueryDict) -> list[dict[str, str]]:
    """The line rows as posted, empty ones too (so the page shows what was typed)."""
    try:
        count = min(int(data.get(f"{LINES_PREFIX}-TOTAL_FORMS", 0)), LINES_AT_MOST)
    except ValueError:
        count = 0
    return [
        {
            field: data.get(f"{LINES_PREFIX}-{index}-{field}", "")
            for field in TakeOrderLineForm.base_fields
        }
        for index in range(count)
    ]


def lines_fill_blanks(
    data: QueryDict, *, names: dict[str, str], prices: dict[str, Decimal]
) -> tuple[QueryDict, list[str]]:
    """Fill a line's empty name and price from what we know of its SKU; say which SKUs."""
    data = data.copy()
    filled: list[str] = []
    for index, row in enumerate(_posted_rows(data)):
        sku = row["sku"].strip()
        if not sku:
            continue
        changed = False
        if not row["name"].strip() and sku in names:
            data[f"{LINES_PREFIX}-{index}-name"] = names[sku]
            changed = True
        if not row["unit_price"].strip() and sku in prices:
            data[f"{LINES_PREFIX}-{index}-unit_price"] = str(prices[sku])
            changed = True
        if changed:
            filled.append(sku)
    return data, filled


def posted_skus(data: QueryDict) -> list[str]:
    return [row["sku"].strip() for row in _posted_rows(data) if row["sku"].strip()]
