"""Reads of orders as the REST API shows them: an order with its fulfillment rows."""

from django.db.models import F, Prefetch, QuerySet

from fulfillment.models import AfterSalesRequest, Shipment
from orders.models import Order, OrderEvent, Storefront
from shared.prefetch import rows_known


def order_queryset_for_api(*, storefront: Storefront | None) -> QuerySet[Order]:
    """Orders an API caller may see: one storefront's, or all of them for staff (`None`)."""
    orders = (
        Order.objects.select_related("customer", "shipping_address", "storefront")
        # The links between an order and its back-orders, by number, without a query per order.
        .annotate(backorder_of_number=F("backorder_of__number"))
        .prefetch_related(order_backorders_prefetch())
    )
    if storefront is not None:
        orders = orders.filter(storefront=storefront)
    return orders


def order_backorders_prefetch() -> Prefetch:
    """The numbers of each order's back-orders, oldest first, in one query for a page."""
    return Prefetch(
        "backorders",
        # The state fields too: django-fsm's ConcurrentTransitionMixin reads them on load.
        queryset=Order.objects.only(
            "pk", "number", "backorder_of_id", "status", "payment_status"
        ).order_by("created_at", "id"),
    )


def order_detail_prefetch(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Add what the order detail shows, in a fixed number of queries."""
    return orders.prefetch_related(
        "lines",
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related("carrier").prefetch_related("packages"),
        ),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
        Prefetch(
            "after_sales_requests",
            queryset=AfterSalesRequest.objects.prefetch_related("lines__order_line"),
        ),
    )


def order_detail_known(order: Order) -> Order:
    """Give a just-created `order` the rest of what `order_detail_prefetch` would read.

    `orders.services.order_create_idempotent` hands it over with its lines and
    history in memory; shipments and after-sales requests come later, so it has
    none. The order detail serializer then runs without a query. Only for an
    order that nothing else has touched since.
    """
    return rows_known(order, shipments=[], after_sales_requests=[], backorders=[])
