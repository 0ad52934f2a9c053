"""Shipping status sent back to Shopify/WooCommerce: every push, every request, and a resend.

Read-only: a push changes only by being sent, or through
`connectors.status_pushes.status_push_send_again`, which needs
`connectors.change_platformstatuspush`.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from connectors.models import PlatformStatusPush, StatusPushAttempt, StatusPushStatus
from connectors.status_pushes import status_push_send_again


class StatusPushAttemptInline(admin.TabularInline):
    model = StatusPushAttempt
    fields = [
        "number",
        "started_at",
        "method",
        "url",
        "response_status",
        "duration_ms",
        "error",
        "response_body",
    ]
    readonly_fields = fields
    ordering = ["number", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: PlatformStatusPush | None = None):
        return False

    def has_change_permission(self, request: HttpRequest, obj: PlatformStatusPush | None = None):
        return False


@admin.register(PlatformStatusPush)
class PlatformStatusPushAdmin(admin.ModelAdmin):
    """What each platform was told about its shipped orders, and how it answered."""

    list_display = [
        "created_at",
        "order",
        "platform",
        "tracking_number",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "connection__platform", "connection__storefront"]
    search_fields = ["order__number", "order__external_id", "tracking_number"]
    list_select_related = ["order", "connection", "connection__storefront"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [StatusPushAttemptInline]
    actions = ["send_again"]
    fields = [
        "connection",
        "order",
        "shipment_id",
        "carrier",
        "tracking_number",
        "tracking_url",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields

    @admin.display(description=_("platform"), ordering="connection__platform")
    def platform(self, push: PlatformStatusPush) -> str:
        return push.connection.get_platform_display()

    # Rows change only through the connectors' services; the admin may look and resend.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_send_again_permission(self, request: HttpRequest) -> bool:
        # Django's own change permission: nothing else about a push is changed here.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    @admin.action(description=_("Send again (failed ones)"), permissions=["send_again"])
    def send_again(self, request: HttpRequest, queryset) -> None:
        # A pending push is still being tried: sending it again could tell the platform twice.
        failed = list(queryset.filter(status=StatusPushStatus.FAILED))
        for push in failed:
            status_push_send_again(push=push, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d status will be sent to its platform again.",
                "%(count)d statuses will be sent to their platforms again.",
                len(failed),
            )
            % {"count": len(failed)},
            level=messages.SUCCESS,
        )
        left = queryset.count() - len(failed)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d status left alone: only failed ones are sent again.",
                    "%(count)d statuses left alone: only failed ones are sent again.",
                    left,
                )
                % {"count": left},
                level=messages.WARNING,
            )
