from django.contrib import admin

from .models import Address, Customer


class AddressInline(admin.TabularInline):
    model = Address
    fields = ["name", "line1", "line2", "city", "postal_code", "country", "phone"]
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "storefront", "phone", "language", "created_at"]
    list_filter = ["storefront", "language"]
    search_fields = ["email", "name", "phone"]
    list_select_related = ["storefront"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [AddressInline]


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["name", "line1", "city", "postal_code", "country", "customer"]
    list_filter = ["country"]
    search_fields = ["name", "line1", "city", "postal_code", "customer__email"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
