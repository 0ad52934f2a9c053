"""Forms of the staff dashboard: login, and the board's and queues' filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from orders.models import (
    Department,
    PaymentStatus,
    Priority,
    ProductCategory,
    Region,
    Storefront,
    Team,
)

from .selectors import OrderFilters


class StaffAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing people who are not staff."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_staff": _("This account may not use the staff dashboard."),
    }

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


def _blank(label: str) -> list[tuple[str, str]]:
    return [("", label)]


class OrderFilterForm(forms.Form):
    """GET filters shared by the board and the queues; every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Number, external id, e-mail, name or tracking number"),
                "autocomplete": "off",
            }
        ),
    )
    storefront = forms.ModelChoiceField(
        label=_("Storefront"),
        queryset=Storefront.objects.order_by("name"),
        required=False,
        empty_label=_("All storefronts"),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("All teams"),
    )
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("name"),
        required=False,
        empty_label=_("All departments"),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("country", "name"),
        required=False,
        empty_label=_("All regions"),
    )
    # Free text with suggestions: storefronts may send categories nobody has set up yet.
    category = forms.CharField(
        label=_("Category"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"list": "category-options", "autocomplete": "off"}),
    )
    payment_status = forms.ChoiceField(
        label=_("Payment"),
        choices=_blank(_("Any payment")) + PaymentStatus.choices,
        required=False,
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=_blank(_("Any priority")) + Priority.choices, required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def category_suggestions(self) -> list[str]:
        return list(ProductCategory.objects.order_by("name").values_list("name", flat=True))

    def filters(self) -> OrderFilters:
        """The valid part of what was asked; an invalid field (a deleted team) filters nothing."""
        if not self.is_bound:
            return OrderFilters()
        self.is_valid()
        data = self.cleaned_data
        return OrderFilters(
            storefront=data.get("storefront"),
            team=data.get("team"),
            department=data.get("department"),
            region=data.get("region"),
            category=data.get("category") or "",
            payment_status=data.get("payment_status") or "",
            priority=data.get("priority") or "",
            overdue_only=bool(data.get("overdue")),
            search=data.get("q") or "",
        )
