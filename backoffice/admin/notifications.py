"""The customer e-mail outbox in the admin: read-only, with a retry for failed messages."""

from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification, NotificationStatus
from notifications.services import notification_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: failures show here with their error and can be retried."""

    list_display = [
        "created_at",
        "kind",
        "status",
        "customer",
        "order",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind", "order__storefront"]
    search_fields = ["order__number", "customer__email"]
    list_select_related = ["customer", "order"]
    date_hierarchy = "created_at"
    actions = ["retry_notifications"]

    # Rows change only through the outbox services; the admin may look and retry.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")

    @admin.action(description=_("Retry selected notifications"), permissions=["retry"])
    def retry_notifications(self, request, queryset):
        # A pending row leased by a worker is being sent right now: retrying it could send twice.
        retryable = queryset.filter(
            Q(status=NotificationStatus.FAILED)
            | (
                Q(status=NotificationStatus.PENDING)
                & (Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now()))
            )
        )
        retried = 0
        for notification in retryable:
            notification_retry(notification=notification)
            retried += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued for sending again.",
                "%(count)d notifications queued for sending again.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
        left = queryset.count() - retried
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d notification left alone: already sent, skipped or being sent.",
                    "%(count)d notifications left alone: already sent, skipped or being sent.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )
