"""Reads for the customer-facing pages."""

from orders.models import Order, OrderStatus

# The steps the progress bar shows, in order (holds and cancellations are shown apart).
PROGRESS_STEPS = [
    OrderStatus.RECEIVED,
    OrderStatus.PROCESSING,
    OrderStatus.PICKING,
    OrderStatus.PACKING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
]


def order_lookup(*, number: str, email_or_postal_code: str) -> Order | None:
    """Return the order with `number` whose e-mail or postal code matches, else None.

    A wrong pair and an unknown number give the same answer, so the form cannot
    be used to learn which order numbers exist.
    """
    number = (number or "").strip().upper()
    secret = (email_or_postal_code or "").strip()
    if not number or not secret:
        return None
    order = (
        Order.objects.select_related("customer", "shipping_address", "storefront")
        .filter(number=number)
        .first()
    )
    if order is None:
        return None
    same_email = order.customer.email.lower() == secret.lower()
    postal_code = order.shipping_address.postal_code.replace(" ", "").upper()
    same_postal_code = bool(postal_code) and postal_code == secret.replace(" ", "").upper()
    return order if same_email or same_postal_code else None


def order_progress(order: Order) -> list[dict]:
    """Return the progress steps with whether each is done or current, for the status bar."""
    status = order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status
    if status in (OrderStatus.READY_TO_SHIP,):
        status = OrderStatus.PACKING
    if status in (OrderStatus.POST_DELIVERY, OrderStatus.COMPLETED):
        status = OrderStatus.DELIVERED
    reached = PROGRESS_STEPS.index(status) if status in PROGRESS_STEPS else -1
    from orders.models import CUSTOMER_STATUS_NAMES

    return [
        {
            "status": step,
            "label": CUSTOMER_STATUS_NAMES[step],
            "done": index < reached or (index == reached and step == OrderStatus.DELIVERED),
            "current": index == reached,
        }
        for index, step in enumerate(PROGRESS_STEPS)
    ]
