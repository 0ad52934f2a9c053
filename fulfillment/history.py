"""How fulfillment's history rows read to the customer (tracking page, API, data export).

Registered into orders.history from FulfillmentConfig.ready(): the order's
history model words its own kinds and asks the app that wrote any other.
Only after-sales requests speak to the customer; picking, packing, shipments,
carrier scans and supplier requests are staff-only rows and say nothing.
"""

from django.utils.translation import gettext

from orders.history import customer_message_register
from orders.models import OrderEvent, OrderEventType

from .models import AfterSalesKind, AfterSalesResolution, AfterSalesStatus


def after_sales_opened_message(event: OrderEvent) -> str:
    """E.g. "Return request opened"."""
    return gettext("%(kind)s request opened") % {"kind": AfterSalesKind(event.data["kind"]).label}


def after_sales_changed_message(event: OrderEvent) -> str:
    """E.g. "Request #12: Resolved (Refund)"."""
    message = gettext("Request #%(request)s: %(status)s") % {
        "request": event.data.get("after_sales_request"),
        "status": AfterSalesStatus(event.data["after_sales_status"]).label,
    }
    if event.data.get("resolution") in AfterSalesResolution.values:
        message += f" ({AfterSalesResolution(event.data['resolution']).label})"
    return message


def customer_messages_register() -> None:
    """Register the wording of fulfillment's customer-visible history kinds."""
    customer_message_register(OrderEventType.AFTER_SALES_OPENED, after_sales_opened_message)
    customer_message_register(OrderEventType.AFTER_SALES_CHANGED, after_sales_changed_message)
