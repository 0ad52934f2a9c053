"""The tracking aggregators' updates in the admin: read-only, applied again or dealt with.

Both actions go through `aggregators.services` (the same as the dashboard's
"Tracking updates" page), each update committed on its own.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import ngettext

from aggregators.models import TrackingUpdate
from aggregators.services import update_reapply, update_resolve

from .inboxes import InboxAdmin

REAPPLY_PERMISSION = "aggregators.reapply_trackingupdate"


@admin.register(TrackingUpdate)
class TrackingUpdateAdmin(InboxAdmin):
    """Every update an aggregator sent, read-only; applied again or marked dealt with."""

    reapply_service = update_reapply
    resolve_service = update_resolve
    id_field = "event_id"

    @staticmethod
    def resolved_message(count: int) -> str:
        return ngettext(
            "%(count)d tracking update marked dealt with.",
            "%(count)d tracking updates marked dealt with.",
            count,
        ) % {"count": count}

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

    def has_reapply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REAPPLY_PERMISSION)

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("aggregators.change_trackingupdate")
