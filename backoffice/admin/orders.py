"""Admin site for managers: storefronts, orders and their audit history.

Orders are read-only here except through the transition buttons, which call
`orders.services.order_transition` like every other caller (django-fsm's own
admin mixin would save the order itself and skip the service).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from rest_framework_api_key.admin import APIKeyModelAdmin

from fulfillment.models import Package, Shipment
from fulfillment.selectors import (
    order_packages_without_shipment,
    order_unpacked_quantities,
    order_unpicked_quantities,
)
from orders.models import (
    Department,
    Holiday,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ProductCategory,
    Region,
    ServiceLevel,
    SlaAlert,
    Storefront,
    StorefrontAPIKey,
    Team,
)
from orders.selectors import order_available_transitions, order_blocked_transitions
from orders.services import TRANSITIONS, order_transition, storefront_webhook_url_check
from shared.errors import OrderError
from shared.parsing import amount_or_none, version_or_none

from .money import money_column
from .money_confirm import money_move_confirmation


def status_badge(value: str, label: str) -> str:
    return format_html('<span class="order-status order-status--{}">{}</span>', value, label)


class StorefrontAPIKeyInline(admin.TabularInline):
    model = StorefrontAPIKey
    fields = ["name", "prefix", "created", "expiry_date", "revoked"]
    readonly_fields = ["name", "prefix", "created", "expiry_date"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Storefront | None = None) -> bool:
        return False


class ServiceLevelInline(admin.TabularInline):
    model = ServiceLevel
    extra = 0
    fields = [
        "priority",
        "processing_hours",
        "picking_hours",
        "packing_hours",
        "ready_to_ship_hours",
        "shipping_hours",
        "shipping_hours_abroad",
    ]
    verbose_name_plural = _("service levels (business hours per stage)")


class StorefrontAdminForm(forms.ModelForm):
    def clean_webhook_url(self) -> str:
        webhook_url = self.cleaned_data["webhook_url"]
        try:
            storefront_webhook_url_check(webhook_url)
        except OrderError as error:
            raise forms.ValidationError(error.message, code="webhook_url") from None
        return webhook_url


@admin.register(Storefront)
class StorefrontAdmin(admin.ModelAdmin):
    form = StorefrontAdminForm
    list_display = [
        "name",
        "code",
        "currency",
        "default_language",
        "support_email",
        "is_active",
        "auto_confirm_paid",
        "webhook_url",
    ]
    list_filter = [
        "is_active",
        "auto_confirm_paid",
        "customer_address_changes_auto",
        "customer_cancellations_auto",
        "currency",
        "default_language",
    ]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    autocomplete_fields = ["default_team"]
    inlines = [ServiceLevelInline, StorefrontAPIKeyInline]


@admin.register(StorefrontAPIKey)
class StorefrontAPIKeyAdmin(APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "storefront"]
    list_filter = [*APIKeyModelAdmin.list_filter, "storefront"]
    search_fields = [*APIKeyModelAdmin.search_fields, "storefront__name", "storefront__code"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["sku", "name", "category", "quantity", "unit_price_display", "line_total_display"]
    readonly_fields = fields
    unit_price_display = money_column("unit_price", _("unit price"), currency="order.currency")
    line_total_display = money_column("line_total", _("line total"), currency="order.currency")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    verbose_name_plural = _("history")
    fields = [
        "created_at",
        "what_happened",
        "event_type",
        "transition",
        "from_status",
        "to_status",
        "actor",
        "reason",
        "note",
        "customer_visible",
    ]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("what happened"))
    def what_happened(self, event: OrderEvent) -> str:
        return event.headline()

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class PackageInline(admin.TabularInline):
    model = Package
    fields = ["id", "contents", "weight_grams", "shipment", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("shipment__carrier")
            .prefetch_related("lines__order_line")
        )

    @admin.display(description=_("contents"))
    def contents(self, package: Package) -> str:
        return ", ".join(f"{line.quantity} x {line.order_line.sku}" for line in package.lines.all())

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class ShipmentInline(admin.TabularInline):
    model = Shipment
    fields = [
        "carrier",
        "tracking_number",
        "tracking_link",
        "status",
        "estimated_delivery_date",
        "delivered_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("carrier")

    @admin.display(description=_("tracking"))
    def tracking_link(self, shipment: Shipment) -> str:
        url = shipment.tracking_url
        return format_html('<a href="{}" rel="noopener">{}</a>', url, url) if url else "-"

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "storefront",
        "customer_email",
        "status_display",
        "payment_status_display",
        "total_display",
        "age",
        "updated_at",
    ]
    list_filter = [
        "status",
        "payment_status",
        "storefront",
        "team",
        "priority",
        "payment_method",
        "placed_at",
    ]
    search_fields = ["number", "external_id", "customer__email", "shipments__tracking_number"]
    list_select_related = ["storefront", "customer"]
    date_hierarchy = "placed_at"
    list_per_page = 50
    show_full_result_count = False
    inlines = [OrderLineInline, PackageInline, ShipmentInline, OrderEventInline]
    change_form_template = "admin/orders/order/change_form.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("number", "external_id", "storefront"),
                    ("status", "customer_status", "version"),
                    ("held_from_status", "hold_reason", "cancel_reason"),
                    ("team", "priority", "stage_due_at"),
                ]
            },
        ),
        (
            _("Payment"),
            {
                "fields": [
                    ("payment_method", "payment_status"),
                    ("currency", "subtotal_display", "shipping_price_display", "total_display"),
                    ("amount_paid_display", "amount_refunded_display"),
                ]
            },
        ),
        (_("Customer"), {"fields": ["customer", "shipping_address"]}),
        (
            _("Times"),
            {
                "fields": [
                    ("placed_at", "confirmed_at", "promised_delivery_date"),
                    ("shipped_at", "delivered_at", "closed_at", "updated_at"),
                ]
            },
        ),
    ]

    class Media:
        css = {"all": ["orders/admin.css"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> list[str]:
        # Nothing is edited in place: status and money move only through transitions.
        return [
            field
            for fieldset in self.fieldsets
            for row in fieldset[1]["fields"]
            for field in (row if isinstance(row, tuple) else (row,))
        ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Orders arrive from storefronts; the history must start with them.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # Even superusers only view: an order changes through its transition buttons.
        return False

    @admin.display(description=_("customer"), ordering="customer__email")
    def customer_email(self, order: Order) -> str:
        return order.customer.email

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, order: Order) -> str:
        return status_badge(order.status, order.get_status_display())

    @admin.display(description=_("payment"), ordering="payment_status")
    def payment_status_display(self, order: Order) -> str:
        return status_badge(order.payment_status, order.get_payment_status_display())

    total_display = money_column("total", _("total"))
    subtotal_display = money_column("subtotal", _("subtotal"))
    shipping_price_display = money_column("shipping_price", _("shipping price"))
    amount_paid_display = money_column("amount_paid", _("amount paid"))
    amount_refunded_display = money_column("amount_refunded", _("amount refunded"))

    @admin.display(description=_("age"), ordering="placed_at")
    def age(self, order: Order) -> str:
        return timesince(order.placed_at, depth=1)

    @admin.display(description=_("customer sees"))
    def customer_status(self, order: Order) -> str:
        return order.customer_status_display

    def get_urls(self):
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(require_POST(self.transition_view)),
                name="orders_order_transition",
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        order = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if order is not None:
            available = order_available_transitions(order=order, user=request.user)
            extra_context["available_transitions"] = available
            extra_context["transition_groups"] = [
                (title, [spec for spec in available if spec.field == field])
                for title, field in [(_("Order"), "status"), (_("Payment"), "payment_status")]
                if any(spec.field == field for spec in available)
            ]
            extra_context["blocked_transitions"] = order_blocked_transitions(
                order=order, user=request.user
            )
            extra_context["hold_reasons"] = TRANSITIONS["hold"].reason_choices_for(request.user)
            extra_context.update(self._fulfillment_context(request, order))
            extra_context["transition_url"] = reverse(
                "admin:orders_order_transition", args=[order.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _fulfillment_context(self, request: HttpRequest, order: Order) -> dict:
        """What is left to pick, pack and ship; the work is done on the dashboard's order page.

        The admin has no packing or shipping forms of its own: one set of pages (and
        their services) does that work, so the rules and messages cannot drift apart.
        """
        user = request.user
        unpicked = (
            order_unpicked_quantities(order)
            if order.status == OrderStatus.PICKING and user.has_perm("fulfillment.add_pickrecord")
            else {}
        )
        unpacked = (
            order_unpacked_quantities(order)
            if order.status == OrderStatus.PACKING and user.has_perm("fulfillment.add_package")
            else {}
        )
        unshipped = (
            order_packages_without_shipment(order)
            if order.status in (OrderStatus.PACKING, OrderStatus.READY_TO_SHIP)
            and user.has_perm("fulfillment.add_shipment")
            else []
        )
        return {
            "unpicked": unpicked,
            "unpacked": unpacked,
            "unshipped_packages": unshipped,
            "dashboard_order_url": reverse("dashboard:order-detail", args=[order.number]),
        }

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404("No such order.")
        if not self.has_view_permission(request, order):
            raise PermissionDenied
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        try:
            # Cancel, void and refund first show what will happen (money_confirm.py).
            confirmation = money_move_confirmation(self, request, order)
            if confirmation is not None:
                return confirmation
            order = order_transition(
                order=order,
                transition=request.POST.get("transition", ""),
                actor=request.user,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
                amount=amount_or_none(request.POST.get("amount", "")),
                expected_version=version_or_none(request.POST.get("version", "")),
            )
        except OrderError as error:
            self.message_user(request, error.message, level=messages.ERROR)
        else:
            self.message_user(
                request,
                _("Order %(number)s is now %(status)s (payment %(payment)s).")
                % {
                    "number": order.number,
                    "status": order.get_status_display(),
                    "payment": order.get_payment_status_display(),
                },
                level=messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)


def _message_with_details(error: OrderError) -> str:
    """The error's message and what it says about each field, for a one-line admin message."""
    details = "; ".join(
        f"{field}: {' '.join(map(str, problems))}"
        for field, problems in error.details.items()
        if isinstance(problems, list)
    )
    return f"{error.message} {details}".strip()


def _order_for_action(model_admin: "OrderAdmin", request: HttpRequest, object_id: str) -> Order:
    order = model_admin.get_object(request, unquote(object_id))
    if order is None:
        raise Http404("No such order.")
    if not model_admin.has_view_permission(request, order):
        raise PermissionDenied
    return order


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    """The audit trail: searchable, never edited."""

    list_display = [
        "created_at",
        "order",
        "event_type",
        "transition",
        "from_status",
        "to_status",
        "actor",
        "customer_visible",
    ]
    list_filter = ["event_type", "transition", "customer_visible", "order__storefront"]
    search_fields = ["order__number", "order__external_id", "actor__username", "reason"]
    list_select_related = ["order", "actor"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OrderEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OrderEvent | None = None) -> bool:
        return False


# --- Storefront webhooks: the outbox and its delivery log ---------------------


# -- how work is organised ---------------------------------------------------------


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "stages"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "lead", "is_active"]
    list_filter = ["department", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    filter_horizontal = ["members"]
    list_select_related = ["department", "lead"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "postal_code_prefixes", "team"]
    list_filter = ["country", "team"]
    search_fields = ["name", "postal_code_prefixes"]
    list_select_related = ["team"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "team"]
    list_filter = ["team"]
    search_fields = ["name"]
    list_select_related = ["team"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(SlaAlert)
class SlaAlertAdmin(admin.ModelAdmin):
    """Breaches are raised by the service-level watch; here they are read."""

    list_display = ["order", "stage", "kind", "team", "due_at", "created_at", "emailed_at"]
    list_filter = ["kind", "stage", "team"]
    search_fields = ["order__number"]
    list_select_related = ["order", "team"]
    readonly_fields = ["order", "stage", "kind", "team", "due_at", "created_at", "emailed_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
