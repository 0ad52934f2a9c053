"""Platform connections and the deliveries they sent, in the admin.

A connection is saved through `connectors.services.connections.connection_save`
(the secret and token encrypted, never shown again); deliveries are read-only,
applied again or marked dealt with through `connectors.services.deliveries`.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connectors.models import PlatformConnection, PlatformDelivery
from connectors.services.connections import connection_save, connection_webhook_url
from connectors.services.deliveries import (
    REAPPLY_PERMISSION,
    delivery_reapply,
    delivery_resolve,
)

from .inboxes import InboxAdmin

_KEEP_HELP = _("Never shown again. Leave empty to keep the stored one.")


class PlatformConnectionAdminForm(forms.ModelForm):
    """The secret and token are write-only: typed in, never rendered back."""

    secret = forms.CharField(
        label=_("webhook signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_KEEP_HELP,
    )
    api_url = forms.URLField(
        label=_("platform API base URL"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_(
            "Where shipped orders are reported back. Shopify: "
            "https://<shop>.myshopify.com/admin/api/<version>; WooCommerce: "
            "https://<shop>/wp-json/wc/v3."
        ),
    )
    api_token = forms.CharField(
        label=_("API token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("WooCommerce: consumer_key:consumer_secret. ") + _KEEP_HELP,
    )

    class Meta:
        model = PlatformConnection
        fields = ["storefront", "platform", "secret", "api_url", "api_token", "is_active"]

    def clean_api_url(self) -> str:
        api_url = self.cleaned_data.get("api_url") or ""
        if api_url and not api_url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("An http(s) URL."))
        return api_url

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("secret"):
            self.add_error("secret", _("The platform's webhook signing secret is required."))
        return cleaned


@admin.register(PlatformConnection)
class PlatformConnectionAdmin(admin.ModelAdmin):
    form = PlatformConnectionAdminForm
    list_display = [
        "storefront",
        "platform",
        "shop_domain",
        "is_active",
        "api_url",
        "webhook_url_display",
        "updated_at",
    ]
    list_filter = ["platform", "is_active"]
    search_fields = ["storefront__name", "storefront__code", "shop_domain"]
    list_select_related = ["storefront"]
    readonly_fields = ["webhook_url_display", "shop_domain", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: PlatformConnection | None = None):
        # One connection per storefront: moving it would leave the old storefront's in place.
        if obj is not None:
            return ["storefront", *self.readonly_fields]
        return self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: PlatformConnection | None = None):
        fields = ["storefront", "platform", "secret", "api_url", "api_token", "is_active"]
        if obj is not None:
            fields += ["webhook_url_display", "shop_domain", "created_at", "updated_at"]
        return fields

    @admin.display(description=_("webhook URL to register"))
    def webhook_url_display(self, connection: PlatformConnection) -> str:
        if connection.pk is None:
            return "-"
        return format_html("<code>{}</code>", connection_webhook_url(connection))

    def save_model(
        self, request: HttpRequest, obj: PlatformConnection, form: forms.ModelForm, change: bool
    ) -> None:
        data = form.cleaned_data
        saved, _created = connection_save(
            storefront_code=obj.storefront.code,
            platform=data["platform"],
            secret=data.get("secret") or None,
            api_url=data.get("api_url") or "",
            api_token=data.get("api_token") or None,
            is_active=data.get("is_active", True),
        )
        obj.pk = saved.pk
        obj._state.adding = False
        self.message_user(
            request,
            format_html(
                "{} <code>{}</code>",
                _("Register this webhook URL on the platform:"),
                connection_webhook_url(saved),
            ),
            level=messages.SUCCESS,
        )


@admin.register(PlatformDelivery)
class PlatformDeliveryAdmin(InboxAdmin):
    """Every delivery a platform sent, read-only; applied again or marked dealt with."""

    reapply_service = delivery_reapply
    resolve_service = delivery_resolve
    id_field = "delivery_id"

    @staticmethod
    def resolved_message(count: int) -> str:
        return ngettext(
            "%(count)d delivery marked dealt with.",
            "%(count)d deliveries marked dealt with.",
            count,
        ) % {"count": count}

    list_display = [
        "received_at",
        "storefront",
        "platform",
        "topic",
        "platform_order_id",
        "order",
        "outcome",
        "needs_attention",
        "attempts",
        "error_short",
    ]
    list_filter = ["needs_attention", "outcome", "platform", "topic", "connection__storefront"]
    search_fields = ["delivery_id", "platform_order_id", "order__number"]
    list_select_related = ["connection__storefront", "order"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    fields = [
        "connection",
        "platform",
        "topic",
        "delivery_id",
        "received_at",
        "platform_order_id",
        "platform_updated_at",
        "order",
        "outcome",
        "error",
        "attempts",
        "applied_at",
        "needs_attention",
        "resolved_at",
        "resolved_by",
        "headers_display",
        "raw_body_display",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("connection__storefront", "order")

    def has_reapply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REAPPLY_PERMISSION)

    # Applying again and dealing with go together for platform deliveries.
    has_resolve_permission = has_reapply_permission

    @admin.display(description=_("storefront"), ordering="connection__storefront__name")
    def storefront(self, delivery: PlatformDelivery) -> str:
        return str(delivery.connection.storefront)
