"""Outgoing webhooks in the admin: what was sent where, every attempt, and a resend."""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from webhooks.models import WebhookAttempt, WebhookEvent
from webhooks.services import webhook_event_resend


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = [
        "number",
        "started_at",
        "duration_ms",
        "url",
        "response_status",
        "outcome",
        "error",
        "response_body",
    ]
    readonly_fields = fields
    ordering = ["number"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """What was sent to which storefront, every attempt, and a way to send it again.

    Read-only: an event changes only by delivery or through
    `webhooks.services.webhook_event_resend`, which needs `webhooks.change_webhookevent`.
    """

    list_display = [
        "created_at",
        "event_type",
        "storefront",
        "order",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "event_type", "storefront"]
    search_fields = ["id", "order__number"]
    list_select_related = ["storefront", "order"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [WebhookAttemptInline]
    actions = ["resend_selected"]
    fields = [
        "id",
        "event_type",
        "storefront",
        "order",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "lease_until",
        "last_error",
        "payload_display",
    ]
    readonly_fields = [*fields, "resend_button"]

    def get_fields(self, request: HttpRequest, obj: WebhookEvent | None = None) -> list[str]:
        if obj is not None and self.has_resend_permission(request):
            return [*self.fields, "resend_button"]
        return self.fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WebhookEvent | None = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        # Django's own change permission, since nothing else about an event is changed here.
        return request.user.has_perm("webhooks.change_webhookevent")

    @admin.display(description=_("payload (as sent)"))
    def payload_display(self, event: WebhookEvent) -> str:
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            json.dumps(event.payload, indent=2, sort_keys=True, ensure_ascii=False),
        )

    @admin.display(description=_("send again"))
    def resend_button(self, event: WebhookEvent) -> str:
        # A submit button of the (view-only) change form, posted to the resend view.
        return format_html(
            '<button type="submit" class="button" formaction="{}" formmethod="post">{}</button>',
            reverse("admin:webhooks_webhookevent_resend", args=[event.pk]),
            _("Resend"),
        )

    @admin.action(description=_("Resend selected events"), permissions=["resend"])
    def resend_selected(self, request: HttpRequest, queryset) -> None:
        events = list(queryset)
        for event in events:
            webhook_event_resend(event=event, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d webhook event will be sent again.",
                "%(count)d webhook events will be sent again.",
                len(events),
            )
            % {"count": len(events)},
            level=messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/resend/",
                self.admin_site.admin_view(require_POST(self.resend_view)),
                name="webhooks_webhookevent_resend",
            ),
            *super().get_urls(),
        ]

    def resend_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        event = self.get_object(request, unquote(object_id))
        if event is None:
            raise Http404("No such webhook event.")
        if not self.has_resend_permission(request):
            raise PermissionDenied
        event = webhook_event_resend(event=event, actor=request.user)
        self.message_user(
            request,
            _("Webhook event %(id)s will be sent again.") % {"id": event.pk},
            level=messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))
