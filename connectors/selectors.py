"""Reads of the connectors' rows for the dashboard and the admin (no writes here)."""

from datetime import datetime

from django.db.models import QuerySet

from .models import DeliveryOutcome, PlatformConnection, PlatformDelivery


def _deliveries() -> QuerySet[PlatformDelivery]:
    return PlatformDelivery.objects.select_related(
        "connection__storefront", "order", "resolved_by"
    ).defer("raw_body", "headers")


def deliveries_needing_attention(*, storefront_id: int | None = None) -> QuerySet[PlatformDelivery]:
    """Refused or failed deliveries nobody has dealt with yet, oldest first."""
    deliveries = _deliveries().filter(needs_attention=True)
    if storefront_id is not None:
        deliveries = deliveries.filter(connection__storefront_id=storefront_id)
    return deliveries.order_by("received_at", "id")


def delivery_list(
    *,
    storefront_id: int | None = None,
    platform: str = "",
    outcome: str = "",
    needs_attention: bool | None = None,
    platform_order_id: str = "",
    order_id: int | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
) -> QuerySet[PlatformDelivery]:
    """Deliveries, newest first, narrowed by whichever filters are given.

    The raw body and headers are deferred: read one delivery with `delivery_detail`.
    """
    deliveries = _deliveries()
    if storefront_id is not None:
        deliveries = deliveries.filter(connection__storefront_id=storefront_id)
    if platform:
        deliveries = deliveries.filter(platform=platform)
    if outcome:
        deliveries = deliveries.filter(outcome=outcome)
    if needs_attention is not None:
        deliveries = deliveries.filter(needs_attention=needs_attention)
    if platform_order_id:
        deliveries = deliveries.filter(platform_order_id=platform_order_id)
    if order_id is not None:
        deliveries = deliveries.filter(order_id=order_id)
    if received_from is not None:
        deliveries = deliveries.filter(received_at__gte=received_from)
    if received_to is not None:
        deliveries = deliveries.filter(received_at__lt=received_to)
    return deliveries.order_by("-received_at", "-id")


def delivery_detail(delivery_id: int) -> PlatformDelivery | None:
    """One delivery with everything it carried (raw body, headers), or None."""
    return (
        PlatformDelivery.objects.select_related("connection__storefront", "order", "resolved_by")
        .filter(pk=delivery_id)
        .first()
    )


def order_deliveries(order_id: int) -> QuerySet[PlatformDelivery]:
    """What the platform sent about one of our orders, newest first (the order's page)."""
    return delivery_list(order_id=order_id)


def deliveries_waiting_count() -> int:
    """Deliveries stored and not applied yet (normally none for more than a moment)."""
    return PlatformDelivery.objects.filter(outcome=DeliveryOutcome.RECEIVED).count()


def connection_list() -> QuerySet[PlatformConnection]:
    """Every platform connection with its storefront, by storefront name."""
    return PlatformConnection.objects.select_related("storefront").order_by("storefront__name")
