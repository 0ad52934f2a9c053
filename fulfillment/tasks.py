"""Celery tasks of the fulfillment app."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import SupplierDelivery, SupplierRequest
from .services import after_sales

logger = logging.getLogger(__name__)


@shared_task(
    name="fulfillment.supplier_request_email_send",
    ignore_result=True,
    # SMTPException and connection errors are OSErrors: transient, so try again later.
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def supplier_request_email_send(request_id: int) -> None:
    """E-mail a supplier request to its supplier once, however often this task runs."""
    claimed_at = timezone.now()
    # Claiming the row first means a second run (redelivery, duplicate) finds it taken.
    claimed = SupplierRequest.objects.filter(pk=request_id, emailed_at__isnull=True).update(
        emailed_at=claimed_at
    )
    if not claimed:
        logger.info("supplier request %s already e-mailed (or gone)", request_id)
        return
    request = SupplierRequest.objects.select_related(
        "supplier", "order", "order__shipping_address"
    ).get(pk=request_id)
    subject, body = supplier_request_email_render(request)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [request.supplier.email])
    except Exception:
        # Give the claim back so the retry (or a later run) sends it.
        SupplierRequest.objects.filter(pk=request_id, emailed_at=claimed_at).update(emailed_at=None)
        raise


def supplier_request_email_render(request: SupplierRequest) -> tuple[str, str]:
    """Return the subject and plain-text body of the e-mail asking the supplier for goods."""
    order = request.order
    lines = request.lines.select_related("order_line").order_by("order_line__sku")
    subject = f"Request #{request.pk} for order {order.number}"
    body = [
        f"Hello {request.supplier.contact_name or request.supplier.name},",
        "",
        f"please send the following for our order {order.number} (request #{request.pk}):",
        "",
        *(f"  {line.quantity} x {line.order_line.sku} ({line.order_line.name})" for line in lines),
        "",
        f"Delivery: {request.get_delivery_display()}",
    ]
    if request.delivery == SupplierDelivery.DROP_SHIP:
        address = order.shipping_address
        body += ["Ship to:", f"  {address}"]
        if address.phone:
            body.append(f"  Phone: {address.phone}")
    body += ["", "Please confirm, and tell us when the goods are on their way.", ""]
    return subject, "\n".join(body)


@shared_task(name="fulfillment.orders_complete_after_return_window", ignore_result=True)
def orders_complete_after_return_window() -> int:
    """Complete delivered orders whose return window is over; return how many."""
    return after_sales.orders_complete_after_return_window()
