"""Forms of the staff dashboard: login, the board's and queues' filters, request actions."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from fulfillment.workflows import RequestAction, RequestListFilter, RequestWorkflow
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


# -- after-sales and supplier requests ----------------------------------------------

# The lists' status filter: blank is "still needs work", "all" is every status.
ALL_STATUSES = "all"


class RequestFilterForm(forms.Form):
    """GET filters of a request list, from its workflow; an invalid value filters nothing.

    The status filter lists what still needs work by default, and every status
    on request; the workflow's own filters follow it.
    """

    def __init__(self, workflow: RequestWorkflow, data=None) -> None:
        super().__init__(data)
        self.workflow = workflow
        self.fields["status"] = forms.ChoiceField(
            label=_("Status"),
            choices=[
                ("", workflow.open_label),
                (ALL_STATUSES, _("Any status")),
                *workflow.statuses,
            ],
            required=False,
        )
        for spec in workflow.list_filters:
            self.fields[spec.name] = _list_filter_field(spec)

    def _data(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data

    def statuses(self) -> tuple[str, ...] | None:
        """The statuses to list, or None for all of them."""
        status = self._data().get("status") or ""
        if status == ALL_STATUSES:
            return None
        return (status,) if status else self.workflow.open_statuses

    def filters(self) -> dict:
        """Keyword arguments for `selectors.requests_for_list`."""
        data = self._data()
        return {
            "statuses": self.statuses(),
            "lookups": {
                spec.field_lookup: data[spec.name]
                for spec in self.workflow.list_filters
                if data.get(spec.name) not in (None, "")
            },
        }


def _list_filter_field(spec: RequestListFilter) -> forms.Field:
    if spec.options is not None:
        return forms.ModelChoiceField(
            label=spec.label, queryset=spec.options(), required=False, empty_label=spec.any_label
        )
    return forms.ChoiceField(
        label=spec.label, choices=_blank(spec.any_label) + list(spec.choices), required=False
    )


class RequestVersionField(forms.CharField):
    """The request's `updated_at` when the page was drawn (ISO 8601), to refuse stale forms."""

    widget = forms.HiddenInput

    def to_python(self, value) -> datetime | None:
        value = super().to_python(value)
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise forms.ValidationError(
                _("This page's version is not valid; reload the page."), code="invalid"
            )
        return parsed


def request_action_form(action: RequestAction, data=None) -> forms.Form:
    """Return the form of one request action, its fields taken from the action's table."""
    fields: dict[str, forms.Field] = {
        "updated_at": RequestVersionField(
            label=_("Version"),
            error_messages={"required": _("This page's version is missing; reload the page.")},
        )
    }
    for spec in action.fields:
        if spec.kind == "choice":
            fields[spec.name] = forms.ChoiceField(
                label=spec.label,
                choices=_blank("---------") + list(spec.choices),
                required=spec.required,
            )
        elif spec.kind == "amount":
            fields[spec.name] = forms.DecimalField(
                label=spec.label,
                required=spec.required,
                max_digits=14,
                decimal_places=2,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
        else:
            fields[spec.name] = forms.CharField(
                label=spec.label, required=spec.required, max_length=spec.max_length
            )
    form_class = type(f"{action.name.title()}ActionForm", (forms.Form,), fields)
    # Several actions share a page: their inputs need their own ids, not their own names.
    return form_class(data, auto_id=f"{action.name}-%s")
