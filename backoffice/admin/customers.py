import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from customers.models import Address, Customer, PersonalDataAction
from privacy.services import (
    ERASE_PERMISSION,
    EXPORT_PERMISSION,
    customer_data_export,
    customer_erase,
)
from shared.errors import OrderError, TransitionPermissionDenied


class ErasedAddressesFrozenMixin:
    """An erased customer's addresses are anonymised for good: no change, addition or deletion.

    One rule for the customer's address inline (`obj` is the customer) and the
    address pages (`obj` is the address).
    """

    @staticmethod
    def _erased(obj) -> bool:
        customer = obj.customer if isinstance(obj, Address) else obj
        return customer is not None and customer.erased_at is not None

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._erased(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        if obj is not None and self._erased(obj):
            return False
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj)
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._erased(obj) and super().has_delete_permission(request, obj)


class AddressInline(ErasedAddressesFrozenMixin, admin.TabularInline):
    model = Address
    fields = ["name", "line1", "line2", "city", "postal_code", "country", "phone"]
    extra = 0


class PersonalDataActionInline(admin.TabularInline):
    """Who took a copy of the person's data or erased it: read only, the audit trail."""

    model = PersonalDataAction
    fields = ["created_at", "kind", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("For the audit trail, e.g. the customer's request and its date."),
        widget=forms.TextInput(attrs={"size": 80}),
    )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "storefront", "phone", "language", "created_at"]
    list_filter = ["storefront", "language"]
    search_fields = ["email", "name", "phone"]
    list_select_related = ["storefront"]
    readonly_fields = ["created_at", "updated_at", "erased_at"]
    autocomplete_fields = ["account_team"]
    inlines = [AddressInline, PersonalDataActionInline]
    change_form_template = "admin/customers/customer/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None):
        if obj is not None and obj.erased_at is not None:
            # Nothing of an erased person may be typed back in.
            return [field.name for field in self.opts.fields if field.editable]
        return super().get_readonly_fields(request, obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/personal-data/export/",
                self.admin_site.admin_view(require_POST(self.export_view)),
                name="customers_customer_export",
            ),
            path(
                "<path:object_id>/personal-data/erase/",
                self.admin_site.admin_view(self.erase_view),
                name="customers_customer_erase",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_export_personal_data"] = request.user.has_perm(EXPORT_PERMISSION)
        extra_context["can_erase_personal_data"] = request.user.has_perm(ERASE_PERMISSION)
        return super().change_view(request, object_id, form_url, extra_context)

    def _customer(self, request: HttpRequest, object_id: str) -> Customer:
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404("No such customer.")
        return customer

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Download everything held about the customer as a JSON file."""
        customer = self._customer(request, object_id)
        try:
            data = customer_data_export(customer=customer, actor=request.user)
        except TransitionPermissionDenied:
            raise PermissionDenied from None
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="customer-{customer.pk}-personal-data.json"'
        )
        # Personal data: no copy in any browser or proxy cache.
        response["Cache-Control"] = "no-store"
        return response

    def erase_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask for a reason, then anonymise the customer (POST only changes anything)."""
        customer = self._customer(request, object_id)
        if not request.user.has_perm(ERASE_PERMISSION):
            raise PermissionDenied
        change_url = reverse("admin:customers_customer_change", args=[customer.pk])
        form = ErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                action = customer_erase(
                    customer=customer, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except TransitionPermissionDenied:
                raise PermissionDenied from None
            except OrderError as error:
                self.message_user(request, error.message, level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("The customer's personal data was erased; the orders are kept.")
                    if action is not None
                    else _("This customer's personal data was already erased."),
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "opts": self.opts,
            "original": customer,
            "form": form,
            "change_url": change_url,
            # Whole rows: django-fsm's ConcurrentTransitionMixin recurses on a deferred status.
            "orders": customer.orders.order_by("placed_at"),
        }
        return TemplateResponse(request, "admin/customers/customer/erase.html", context)


@admin.register(Address)
class AddressAdmin(ErasedAddressesFrozenMixin, admin.ModelAdmin):
    list_display = ["name", "line1", "city", "postal_code", "country", "customer"]
    list_filter = ["country"]
    search_fields = ["name", "line1", "city", "postal_code", "customer__email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]


@admin.register(PersonalDataAction)
class PersonalDataActionAdmin(admin.ModelAdmin):
    """The audit trail of exports and erasures: read only."""

    list_display = ["created_at", "kind", "customer", "actor", "reason"]
    list_filter = ["kind"]
    list_select_related = ["customer", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
