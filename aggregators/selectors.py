"""Reading the tracking updates the aggregators sent (dashboard and admin)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import TrackingUpdate


def updates_needing_attention() -> QuerySet[TrackingUpdate]:
    """Unmatched or failed updates nobody has dealt with yet (the nav's count)."""
    return TrackingUpdate.objects.filter(needs_attention=True)


def update_list(
    *, aggregator: str = "", outcome: str = "", needs_attention: bool | None = None
) -> QuerySet[TrackingUpdate]:
    """Updates newest first, with what the list shows (no raw body or headers)."""
    updates = TrackingUpdate.objects.select_related("shipment__order", "shipment__carrier").defer(
        "raw_body", "headers"
    )
    if aggregator:
        updates = updates.filter(aggregator=aggregator)
    if outcome:
        updates = updates.filter(outcome=outcome)
    if needs_attention is not None:
        updates = updates.filter(needs_attention=needs_attention)
    return updates.order_by("-received_at", "-id")


def update_detail(pk: int) -> TrackingUpdate | None:
    return (
        TrackingUpdate.objects.select_related("shipment__order", "shipment__carrier", "resolved_by")
        .filter(pk=pk)
        .first()
    )
