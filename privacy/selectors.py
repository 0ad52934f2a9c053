"""What is held about one customer, as JSON-ready data (their right of access)."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from customers.models import Address, Customer
from fulfillment.models import AfterSalesLine, AfterSalesPhoto, AfterSalesRequest, Shipment
from notifications.emails import notification_subject
from notifications.models import Notification
from orders.models import Order, OrderChangeRequest, OrderEvent


def customer_personal_data(customer) -> dict:
    """Return everything held about `customer` as JSON-ready data (their right of access).

    A fixed number of queries whatever the number of orders: every list below is
    prefetched. Staff-only rows (internal notes, costs, staff names) are left out,
    as on the tracking page; they are about our work, not about the person.
    """
    customer = Customer.objects.select_related("storefront").get(pk=customer.pk)
    orders = list(
        customer.orders.select_related("shipping_address")
        .prefetch_related(
            "lines",
            Prefetch(
                "events",
                queryset=OrderEvent.objects.filter(customer_visible=True).order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.filter(next_leg__isnull=True).select_related("carrier"),
            ),
            Prefetch(
                "change_requests",
                queryset=OrderChangeRequest.objects.order_by("created_at", "id"),
            ),
            Prefetch(
                "after_sales_requests",
                queryset=AfterSalesRequest.objects.order_by("created_at", "id").prefetch_related(
                    Prefetch("lines", queryset=AfterSalesLine.objects.select_related("order_line")),
                    Prefetch(
                        "photos", queryset=AfterSalesPhoto.objects.order_by("created_at", "id")
                    ),
                ),
            ),
        )
        .order_by("placed_at", "id")
    )
    address_ids = {order.shipping_address_id for order in orders}
    addresses = Address.objects.filter(Q(customer=customer) | Q(pk__in=address_ids)).order_by(
        "created_at", "id"
    )
    notifications = (
        Notification.objects.filter(customer=customer)
        .select_related("order__storefront", "customer")
        .order_by("created_at", "id")
    )
    return {
        "format": "customer-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "storefront": {"code": customer.storefront.code, "name": customer.storefront.name},
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "language": customer.language,
            "opted_out_of_non_essential_emails_at": _iso(customer.marketing_opt_out_at),
            "created_at": _iso(customer.created_at),
            "updated_at": _iso(customer.updated_at),
            "erased_at": _iso(customer.erased_at),
        },
        "addresses": [
            {
                "id": address.pk,
                "name": address.name,
                "line1": address.line1,
                "line2": address.line2,
                "city": address.city,
                "postal_code": address.postal_code,
                "country": address.country,
                "phone": address.phone,
                "created_at": _iso(address.created_at),
            }
            for address in addresses
        ],
        "orders": [_order_personal_data(order) for order in orders],
        "notifications": [
            {
                "order": notification.order.number,
                "kind": notification.kind,
                "subject": notification_subject(notification),
                "status": notification.status,
                "created_at": _iso(notification.created_at),
                "sent_at": _iso(notification.sent_at),
            }
            for notification in notifications
        ],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _order_personal_data(order: Order) -> dict:
    return {
        "number": order.number,
        "external_id": order.external_id,
        "placed_at": _iso(order.placed_at),
        "status": order.status,
        "status_display": order.customer_status_display,
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "currency": order.currency,
        "subtotal": str(order.subtotal),
        "shipping_price": str(order.shipping_price),
        "total": str(order.total),
        "amount_paid": str(order.amount_paid),
        "amount_refunded": str(order.amount_refunded),
        "shipping_address_id": order.shipping_address_id,
        "lines": [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
            for line in order.lines.all()
        ],
        "history": [
            {"at": _iso(event.created_at), "message": message}
            for event in order.events.all()
            if (message := str(event.customer_message()))
        ],
        # What they asked to change from the tracking page, and what they were told.
        "change_requests": [
            {
                "kind": request.kind,
                "status": request.status,
                "asked_at": _iso(request.created_at),
                "asked": request.data,
                "message": request.message,
                "answer": request.decision_note,
                "decided_at": _iso(request.decided_at),
            }
            for request in order.change_requests.all()
        ],
        "shipments": [
            {
                "carrier": shipment.carrier.name,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "status": shipment.status,
            }
            for shipment in order.shipments.all()
        ],
        "after_sales_requests": [
            {
                "number": request.pk,
                "kind": request.kind,
                "reason": request.reason,
                "status": request.status,
                "resolution": request.resolution,
                "opened_at": _iso(request.created_at),
                "lines": [
                    {"sku": line.order_line.sku, "quantity": line.quantity}
                    for line in request.lines.all()
                ],
                "photos": [
                    {
                        "name": photo.image.name.rsplit("/", 1)[-1],
                        "content_type": photo.content_type,
                        "size_bytes": photo.size_bytes,
                        "uploaded_at": _iso(photo.created_at),
                    }
                    for photo in request.photos.all()
                ],
            }
            for request in order.after_sales_requests.all()
        ],
    }
