"""The forms of the order page's "Edit order" and "Cancel items" steps.

They check shape only (whole numbers, amounts, lengths) and turn what staff
typed into the edit service's arguments, sending only what differs from the
order as the page showed it. Whether a change is allowed now (packing
started, the order shipped, a packed quantity) is the service's rule: its
refusal comes back onto these forms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine, OrderStatus
from shared.forms import LineCountsMixin
from shared.money import minor_units

# Lines and shipping price may change until packing starts; address and contact until shipped.
LINES_OPEN_STATUSES = frozenset({OrderStatus.RECEIVED, OrderStatus.PROCESSING, OrderStatus.PICKING})
CONTACT_OPEN_STATUSES = LINES_OPEN_STATUSES | {OrderStatus.PACKING, OrderStatus.READY_TO_SHIP}

# The most of one item an order line takes from a page (a typo guard, not a business rule).
QUANTITY_MAX = 100_000

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "province", "postal_code", "country")
CONTACT_FIELDS = ("name", "phone")


def order_stage(order: Order) -> str:
    """The status that decides what may change: a held order counts where it was held from."""
    if order.status == OrderStatus.ON_HOLD and order.held_from_status:
        return order.held_from_status
    return order.status


def order_lines_open(order: Order) -> bool:
    return order_stage(order) in LINES_OPEN_STATUSES


def order_contact_open(order: Order) -> bool:
    return order_stage(order) in CONTACT_OPEN_STATUSES


def _money_field(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal("0"), max_digits=14, decimal_places=2
    )


class _OrderStepForm(forms.Form):
    """What both steps share: the page's version and a reason."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": _("This page's version is missing; reload the page."),
            "invalid": _("This page's version is not valid; reload the page."),
            "min_value": _("This page's version is not valid; reload the page."),
        },
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)
    note = forms.CharField(label=_("Internal note (optional)"), max_length=1000, required=False)

    def __init__(self, data=None, *, order: Order) -> None:
        super().__init__(data, initial={"version": order.version})
        self.order = order
        self.lines: list[OrderLine] = list(order.lines.all())


class OrderEditForm(_OrderStepForm):
    """New quantities (0 removes), a new line, shipping price, address and contact."""

    def __init__(self, data=None, *, order: Order) -> None:
        super().__init__(data, order=order)
        self.lines_open = order_lines_open(order)
        self.contact_open = order_contact_open(order)
        if self.lines_open:
            for line in self.lines:
                self.fields[f"quantity_{line.pk}"] = forms.IntegerField(
                    label=line.name, min_value=0, max_value=QUANTITY_MAX, initial=line.quantity
                )
            self.fields["add_sku"] = forms.CharField(label=_("SKU"), max_length=64, required=False)
            self.fields["add_name"] = forms.CharField(
                label=_("Name"), max_length=255, required=False
            )
            self.fields["add_unit_price"] = _money_field(_("Unit price"))
            self.fields["add_quantity"] = forms.IntegerField(
                label=_("Quantity"), min_value=1, max_value=QUANTITY_MAX, required=False
            )
            self.fields["shipping_price"] = _money_field(_("Shipping price"))
            # As the currency writes it: "10" for VND, "10.00" for USD.
            places = Decimal(1).scaleb(-minor_units(order.currency))
            self.initial["shipping_price"] = order.shipping_price.quantize(places)
        if self.contact_open:
            address = order.shipping_address
            for name, label, length, required in (
                ("name", _("Recipient"), 200, True),
                ("line1", _("Address line 1"), 255, True),
                ("line2", _("Address line 2"), 255, False),
                ("city", _("City"), 120, True),
                ("province", _("Province or state"), 120, False),
                ("postal_code", _("Postal code"), 20, False),
                ("country", _("Country (2 letters)"), 2, True),
            ):
                self.fields[f"address_{name}"] = forms.CharField(
                    label=label, max_length=length, required=required
                )
                self.initial[f"address_{name}"] = getattr(address, name, "")
            self.fields["customer_name"] = forms.CharField(label=_("Customer name"), max_length=200)
            self.fields["customer_phone"] = forms.CharField(
                label=_("Customer phone"), max_length=40, required=False
            )
            self.initial["customer_name"] = order.customer.name
            self.initial["customer_phone"] = order.customer.phone
        # Reason and note last, after what they explain.
        self.order_fields([name for name in self.fields if name not in ("reason", "note")])

    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[f"quantity_{line.pk}"]) for line in self.lines if self.lines_open]

    def address_fields(self) -> list[forms.BoundField]:
        return [self[f"address_{name}"] for name in ADDRESS_FIELDS] if self.contact_open else []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.lines_open:
            self._clean_new_line(cleaned)
        if not self.errors and not self.edit_arguments():
            raise forms.ValidationError(
                _("Nothing was changed: change a quantity, add a line or edit the address.")
            )
        return cleaned

    def _clean_new_line(self, cleaned: dict[str, Any]) -> None:
        sku = (cleaned.get("add_sku") or "").strip()
        others = [cleaned.get(name) for name in ("add_name", "add_unit_price", "add_quantity")]
        if not sku:
            if any(value not in (None, "") for value in others):
                self.add_error("add_sku", _("A new line needs its SKU."))
            return
        if any(line.sku == sku for line in self.lines):
            self.add_error("add_sku", _("This SKU is already on the order: change its quantity."))
        if not (cleaned.get("add_name") or "").strip():
            self.add_error("add_name", _("A new line needs its name."))
        if cleaned.get("add_unit_price") is None:
            self.add_error("add_unit_price", _("A new line needs its unit price."))
        if cleaned.get("add_quantity") is None:
            cleaned["add_quantity"] = 1

    def edit_arguments(self) -> dict[str, Any]:
        """The service's arguments: only what differs from the order as the page showed it."""
        cleaned = self.cleaned_data
        arguments: dict[str, Any] = {}
        if self.lines_open:
            lines = [
                {"sku": line.sku, "quantity": cleaned[f"quantity_{line.pk}"]}
                for line in self.lines
                if cleaned.get(f"quantity_{line.pk}") is not None
                and cleaned[f"quantity_{line.pk}"] != line.quantity
            ]
            sku = (cleaned.get("add_sku") or "").strip()
            if sku:
                lines.append(
                    {
                        "sku": sku,
                        "name": (cleaned.get("add_name") or "").strip(),
                        "unit_price": str(cleaned.get("add_unit_price")),
                        "quantity": cleaned.get("add_quantity") or 1,
                    }
                )
            if lines:
                arguments["lines"] = lines
            price = cleaned.get("shipping_price")
            if price is not None and price != self.order.shipping_price:
                arguments["shipping_price"] = str(price)
        if self.contact_open:
            address = {
                name: (cleaned.get(f"address_{name}") or "").strip() for name in ADDRESS_FIELDS
            }
            address["country"] = address["country"].upper()
            if any(address[name] != self.initial[f"address_{name}"] for name in ADDRESS_FIELDS):
                arguments["shipping_address"] = address
            customer = {
                name: (cleaned.get(f"customer_{name}") or "").strip()
                for name in CONTACT_FIELDS
                if (cleaned.get(f"customer_{name}") or "").strip()
                != (self.initial[f"customer_{name}"] or "")
            }
            if customer:
                arguments["customer"] = customer
        return arguments


class CancelItemsForm(LineCountsMixin, _OrderStepForm):
    """How many of each line to cancel, and why."""

    line_field_prefix = "cancel"

    def __init__(self, data=None, *, order: Order) -> None:
        super().__init__(data, order=order)
        self.line_counts_add(self.lines)
        self.order_fields([name for name in self.fields if name not in ("reason", "note")])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not self.line_counts():
            raise forms.ValidationError(_("Choose how many of at least one item to cancel."))
        return cleaned
