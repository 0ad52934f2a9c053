"""The tracking aggregators' updates in the admin: read-only, applied again or dealt with.

Both actions go through `aggregators.services` (the same as the dashboard's
"Tracking updates" page), each update committed on its own.
"""

import json

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aggregators.models import TrackingUpdate
from aggregators.services import update_reapply, update_resolve
from shared.errors import OrderError

REAPPLY_PERMISSION = "aggregators.reapply_trackingupdate"


@admin.register(TrackingUpdate)
class TrackingUpdateAdmin(admin.ModelAdmin):
    """Every update an aggregator sent, read-only; applied again or marked dealt with."""

    list_display = [
        "received_at",
        "aggregator",
        "topic",
        "tracking_number",
        "carrier_name",
        "shipment",
        "outcome",
        "needs_attention",
        "attempts",
        "error_short",
    ]
    list_filter = ["needs_attention", "outcome", "aggregator", "topic"]
    search_fields = ["event_id", "tracking_number", "shipment__order__number"]
    list_select_related = ["shipment__carrier"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    actions = ["reapply_selected", "resolve_selected"]
    fields = [
        "aggregator",
        "topic",
        "event_id",
        "received_at",
        "tracking_number",
        "carrier_name",
        "shipment",
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: TrackingUpdate | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: TrackingUpdate | None = None
    ) -> bool:
        return False

    def has_reapply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REAPPLY_PERMISSION)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("aggregators.change_trackingupdate")

    @admin.display(description=_("error"))
    def error_short(self, update: TrackingUpdate) -> str:
        return update.error[:120] + ("…" if len(update.error) > 120 else "")

    @admin.display(description=_("headers"))
    def headers_display(self, update: TrackingUpdate) -> str:
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            json.dumps(update.headers, indent=2, sort_keys=True, ensure_ascii=False),
        )

    @admin.display(description=_("raw body (as received)"))
    def raw_body_display(self, update: TrackingUpdate) -> str:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', update.raw_body)

    @admin.action(description=_("Apply again"), permissions=["reapply"])
    def reapply_selected(self, request: HttpRequest, queryset) -> None:
        outcomes: dict[str, int] = {}
        for update in queryset.order_by("received_at", "id"):
            # Each one is applied and committed on its own: one refusal does not stop the rest.
            try:
                update = update_reapply(update, actor=request.user)
            except OrderError as error:
                self.message_user(
                    request, f"{update.event_id}: {error.message}", level=messages.ERROR
                )
                continue
            label = update.get_outcome_display()
            outcomes[label] = outcomes.get(label, 0) + 1
        if outcomes:
            summary = ", ".join(f"{label}: {count}" for label, count in outcomes.items())
            self.message_user(
                request, _("Applied again. %(summary)s") % {"summary": summary}, messages.SUCCESS
            )

    @admin.action(description=_("Mark dealt with"), permissions=["resolve"])
    def resolve_selected(self, request: HttpRequest, queryset) -> None:
        updates = list(queryset)
        for update in updates:
            update_resolve(update, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d tracking update marked dealt with.",
                "%(count)d tracking updates marked dealt with.",
                len(updates),
            )
            % {"count": len(updates)},
            messages.SUCCESS,
        )
