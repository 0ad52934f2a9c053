from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fulfillment.models import (
    AfterSalesLine,
    AfterSalesPhoto,
    AfterSalesRequest,
    Carrier,
    InventoryItem,
    Package,
    PickList,
    Shipment,
    Supplier,
    SupplierRequest,
    SupplierRequestLine,
    TrackingEvent,
)
from fulfillment.workflows import (
    AFTER_SALES,
    SUPPLIER_REQUESTS,
    RequestAction,
    RequestWorkflow,
    request_advance,
    request_available_actions,
)
from shared.errors import OrderError

from .money import money_column
from .request_refund_confirm import posted_request_version, resolution_refund_confirmation


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the services write (and requests start from an order): shown, never edited."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    # What AfterShip and EasyPost call the carrier: their updates are matched by it.
    list_display = ["name", "code", "aftership_slug", "easypost_carrier", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "aftership_slug", "easypost_carrier"]
    prepopulated_fields = {"code": ["name"]}


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = [
        "occurred_at",
        "utc_offset_minutes",
        "status",
        "location",
        "message",
        "source",
        "carrier_event_id",
        "received_at",
    ]
    readonly_fields = fields


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    """Shipments are booked and tracked through the services; here they are read."""

    list_display = ["tracking_number", "carrier", "order", "status", "created_at", "delivered_at"]
    list_filter = ["status", "carrier"]
    search_fields = ["tracking_number", "order__number"]
    list_select_related = ["carrier", "order"]
    readonly_fields = [
        "order",
        "carrier",
        "tracking_number",
        "status",
        "created_by",
        "created_at",
        "estimated_delivery_date",
        "delivered_at",
    ]
    inlines = [TrackingEventInline]


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "weight_grams", "shipment", "created_at"]
    search_fields = ["order__number"]
    list_select_related = ["order", "shipment__carrier"]


class RequestLineInline(ReadOnlyInline):
    """Which order lines, and how many of each, a request is about."""

    fields = ["order_line", "quantity"]
    readonly_fields = fields


class SupplierRequestLineInline(RequestLineInline):
    model = SupplierRequestLine


class RequestPanelMixin:
    """A request's page: read-only, with buttons that call its kind's service.

    The buttons are the actions of the admin's `workflow` (fulfillment.workflows)
    the user may take now, the ones the staff dashboard shows; django-fsm's own
    admin mixin would save the state directly and skip the service.
    """

    change_form_template = "admin/fulfillment/action_panel_change_form.html"
    workflow: RequestWorkflow

    class Media:
        css = {"all": ["orders/admin.css"]}

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/act/",
                self.admin_site.admin_view(require_POST(self.panel_view)),
                name=f"{opts.app_label}_{opts.model_name}_act",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            opts = self.model._meta
            extra_context["panel_actions"] = request_available_actions(obj, request.user)
            extra_context["panel_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_act", args=[obj.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def panel_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        action = self.workflow.action(request.POST.get("action", ""))
        if action is None or not request.user.has_perm(action.permission):
            raise PermissionDenied
        try:
            values = _panel_values(request, action)
            confirmation = self.confirmation(request, obj, action, values)
            if confirmation is not None:
                return confirmation
            request_advance(
                obj,
                action=action.name,
                actor=request.user,
                values=values,
                expected_updated_at=posted_request_version(request),
            )
        except OrderError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        except (InvalidOperation, ValueError):
            self.message_user(request, "That amount is not a number.", level=messages.ERROR)
        else:
            self.message_user(request, f"{action.label}: done.", level=messages.SUCCESS)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )

    def confirmation(
        self, request, obj, action: RequestAction, values: dict[str, Any]
    ) -> HttpResponse | None:
        """A page asking before `action` runs, or None to run it; no kind asks by default."""
        return None


def _panel_values(request, action: RequestAction) -> dict[str, Any]:
    """The action's inputs from the panel's form: amounts as decimals (blank is None)."""
    values: dict[str, Any] = {}
    for field in action.fields:
        value = request.POST.get(field.name, "")
        if field.kind == "amount":
            value = Decimal(value) if value.strip() else None
        values[field.name] = value
    return values


class AfterSalesLineInline(RequestLineInline):
    model = AfterSalesLine


class AfterSalesPhotoInline(ReadOnlyInline):
    model = AfterSalesPhoto
    fields = ["preview", "content_type", "size_bytes", "created_at"]
    readonly_fields = fields

    @admin.display(description="Photo")
    def preview(self, photo: AfterSalesPhoto) -> str:
        url = reverse("fulfillment:after-sales-photo", args=[photo.pk])
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">'
            '<img src="{}" alt="Photo {}" style="max-width:160px;max-height:120px"></a>',
            url,
            url,
            photo.pk,
        )


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(RequestPanelMixin, ReadOnlyAdmin):
    list_display = ["id", "order", "kind", "status", "resolution", "source", "created_at"]
    list_filter = ["kind", "status", "source", "resolution"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order"]
    readonly_fields = [
        "order",
        "kind",
        "reason",
        "status",
        "resolution",
        "refund_amount_display",
        "credit_amount_display",
        "replacement_order",
        "source",
        "opened_by",
        "created_at",
    ]
    inlines = [AfterSalesLineInline, AfterSalesPhotoInline]
    workflow = AFTER_SALES
    refund_amount_display = money_column(
        "refund_amount", _("refund amount"), currency="order.currency"
    )
    credit_amount_display = money_column(
        "credit_amount", _("store credit"), currency="order.currency"
    )

    def confirmation(
        self, request, obj, action: RequestAction, values: dict[str, Any]
    ) -> HttpResponse | None:
        """A refund resolution moves money: state it and ask first, as the order page does."""
        return resolution_refund_confirmation(self, request, obj, action, values)


@admin.register(SupplierRequest)
class SupplierRequestAdmin(RequestPanelMixin, ReadOnlyAdmin):
    list_display = ["id", "order", "supplier", "delivery", "status", "emailed_at", "created_at"]
    list_filter = ["status", "delivery", "supplier"]
    search_fields = ["order__number", "supplier__name"]
    list_select_related = ["order", "supplier"]
    readonly_fields = [
        "order",
        "supplier",
        "delivery",
        "status",
        "expected_at",
        "failure_reason",
        "emailed_at",
        "created_by",
        "created_at",
    ]
    inlines = [SupplierRequestLineInline]
    workflow = SUPPLIER_REQUESTS


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "location", "quantity_on_hand", "updated_at"]
    search_fields = ["sku", "name", "location"]
    list_filter = ["location"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_name", "email", "phone", "lead_time_days", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "contact_name", "email"]


@admin.register(PickList)
class PickListAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "created_by", "order_count", "printable"]
    readonly_fields = ["orders", "created_by", "created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(number_of_orders=Count("orders"))
        )

    @admin.display(description="orders")
    def order_count(self, pick_list: PickList) -> int:
        return pick_list.number_of_orders

    @admin.display(description="print")
    def printable(self, pick_list: PickList) -> str:
        return format_html(
            '<a href="{}">{}</a>', f"/fulfillment/pick-lists/{pick_list.pk}/", "Print"
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
