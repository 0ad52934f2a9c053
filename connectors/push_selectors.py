"""Reads of the statuses sent back to the platforms, for the dashboard and the admin."""

from django.db.models import Prefetch, QuerySet

from orders.models import Order

from .models import PlatformStatusPush, StatusPushAttempt


def status_pushes_for_order(order: Order | int) -> QuerySet[PlatformStatusPush]:
    """The order's pushes to its platform, newest first, each with its request log.

    Two queries however many pushes and requests: `push.attempt_log.all()` is prefetched
    (in request order), the connection joined.
    """
    order_id = order.pk if isinstance(order, Order) else order
    return (
        PlatformStatusPush.objects.filter(order_id=order_id)
        .select_related("connection")
        .prefetch_related(
            Prefetch("attempt_log", queryset=StatusPushAttempt.objects.order_by("number", "id"))
        )
        .order_by("-created_at", "-id")
    )
