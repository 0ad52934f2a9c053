from decimal import Decimal, InvalidOperation

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
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
from fulfillment.selectors import (
    AFTER_SALES_ACTIONS,
    SUPPLIER_REQUEST_ACTIONS,
    RequestAction,
    after_sales_actions_available,
    request_action_find,
    supplier_request_actions_available,
)
from fulfillment.services.after_sales import (
    after_sales_request_advance,
    after_sales_request_resolve,
)
from fulfillment.services.suppliers import supplier_request_advance
from shared.errors import OrderError


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "tracking_url_template", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    fields = ["occurred_at", "status", "location", "message", "carrier_event_id", "received_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "weight_grams", "shipment", "created_at"]
    search_fields = ["order__number"]
    list_select_related = ["order", "shipment__carrier"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SupplierRequestLineInline(admin.TabularInline):
    model = SupplierRequestLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ActionPanelMixin:
    """Buttons on a request's page that call the service, never save the state directly.

    Subclasses name the action table (`panel_actions`, from fulfillment.selectors),
    the selector saying which of them a user may take now (`panel_available`),
    and implement `panel_run(request, obj, action, values)`. The staff dashboard
    uses the same table and selectors.
    """

    change_form_template = "admin/fulfillment/action_panel_change_form.html"
    panel_actions: tuple[RequestAction, ...] = ()

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

    def panel_available(self, obj, user) -> list[RequestAction]:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = extra_context or {}
        if obj is not None:
            opts = self.model._meta
            extra_context["panel_actions"] = self.panel_available(obj, request.user)
            extra_context["panel_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_act", args=[obj.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def panel_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        action = request_action_find(self.panel_actions, request.POST.get("action", ""))
        if action is None or not request.user.has_perm(action.permission):
            raise PermissionDenied
        values = {name: request.POST.get(name, "") for name in action.field_names}
        try:
            self.panel_run(request, obj, action.name, values)
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


class AfterSalesLineInline(admin.TabularInline):
    model = AfterSalesLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class AfterSalesPhotoInline(admin.TabularInline):
    model = AfterSalesPhoto
    fields = ["preview", "content_type", "size_bytes", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

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
class AfterSalesRequestAdmin(ActionPanelMixin, admin.ModelAdmin):
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
        "refund_amount",
        "credit_amount",
        "replacement_order",
        "source",
        "opened_by",
        "created_at",
    ]
    inlines = [AfterSalesLineInline, AfterSalesPhotoInline]
    panel_actions = AFTER_SALES_ACTIONS

    def panel_available(self, obj, user) -> list[RequestAction]:
        return after_sales_actions_available(obj, user)

    def panel_run(self, request, obj, name, values) -> None:
        if name == "resolve":
            amount = Decimal(values["amount"]) if values["amount"].strip() else None
            after_sales_request_resolve(
                request=obj, resolution=values["resolution"], actor=request.user, amount=amount
            )
        else:
            after_sales_request_advance(
                request=obj, transition=name, actor=request.user, note=values["note"]
            )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupplierRequest)
class SupplierRequestAdmin(ActionPanelMixin, admin.ModelAdmin):
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
    panel_actions = SUPPLIER_REQUEST_ACTIONS

    def panel_available(self, obj, user) -> list[RequestAction]:
        return supplier_request_actions_available(obj, user)

    def panel_run(self, request, obj, name, values) -> None:
        supplier_request_advance(
            request=obj, transition=name, actor=request.user, reason=values.get("reason", "")
        )

    def has_add_permission(self, request) -> bool:
        # Requests start from an order (supplier_request_create), which holds it.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
