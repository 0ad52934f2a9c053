from django.contrib import admin
from django.db.models import Count
from django.utils.html import format_html

from .models import (
    AfterSalesRequest,
    Carrier,
    InventoryItem,
    Package,
    PickList,
    Shipment,
    Supplier,
    SupplierRequestLine,
    TrackingEvent,
)


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


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "order", "kind", "status", "source", "created_at"]
    list_filter = ["kind", "status", "source"]
    search_fields = ["order__number", "reason"]
    list_select_related = ["order"]
    readonly_fields = [
        "order",
        "kind",
        "reason",
        "status",
        "resolution",
        "source",
        "opened_by",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
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


class SupplierRequestLineInline(admin.TabularInline):
    model = SupplierRequestLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
