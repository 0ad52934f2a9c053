"""What customers asked to change from the tracking page: for managers to look through.

Read-only: requests are decided on the dashboard's queue (or its order page),
through `orders.services`, which applies the change and tells the customer.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orders.models import OrderChangeRequest


@admin.register(OrderChangeRequest)
class OrderChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["created_at", "order", "kind", "status", "decided_by", "decided_at"]
    list_filter = ["status", "kind", "order__storefront"]
    search_fields = ["order__number", "order__external_id", "message", "decision_note"]
    list_select_related = ["order", "decided_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = [
        "order_link",
        "kind",
        "status",
        "data",
        "message",
        "decided_by",
        "decided_at",
        "decision_note",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("order"))
    def order_link(self, obj: OrderChangeRequest) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:orders_order_change", args=[obj.order_id]),
            obj.order.number,
            reverse("dashboard:change-requests"),
            _("the dashboard's queue, where requests are decided"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: OrderChangeRequest | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: OrderChangeRequest | None = None
    ) -> bool:
        return False
