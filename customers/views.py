"""The customer tracking page (reached from the signed link in e-mails and the API)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from orders.models import Order

from .tracking import tracking_token_read


def track_order(request: HttpRequest, token: str) -> HttpResponse:
    """Show where the order is; a forged or damaged token is a plain 404."""
    number = tracking_token_read(token)
    order = (
        Order.objects.select_related("storefront").filter(number=number).first() if number else None
    )
    if order is None:
        raise Http404("No such order.")
    timeline = [
        {"at": event.created_at, "message": event.customer_message()}
        for event in order.events.filter(customer_visible=True).order_by("created_at", "id")
    ]
    return render(
        request,
        "customers/track_order.html",
        {"order": order, "timeline": [entry for entry in timeline if entry["message"]]},
    )
