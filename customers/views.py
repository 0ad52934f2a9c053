"""The customer pages reached from signed links in e-mails: tracking and e-mail preferences."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from orders.models import Order

from .models import Customer
from .preferences import (
    customer_notifications_opt_in,
    customer_notifications_opt_out,
    preferences_token_read,
)
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


@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest, token: str) -> HttpResponse:
    """Show and change whether the customer gets non-essential e-mails; forged token → 404."""
    customer_id = preferences_token_read(token)
    customer = (
        Customer.objects.select_related("storefront").filter(pk=customer_id).first()
        if customer_id is not None
        else None
    )
    if customer is None:
        raise Http404("No such customer.")
    error = ""
    if request.method == "POST":
        choice = request.POST.get("updates")
        if choice == "off":
            customer_notifications_opt_out(customer=customer)
        elif choice == "on":
            customer_notifications_opt_in(customer=customer)
        if choice in ("on", "off"):
            return redirect(f"{request.path}?saved=1")
        error = "choose"
    with translation.override(customer.language or customer.storefront.default_language):
        return render(
            request,
            "customers/preferences.html",
            {
                "customer": customer,
                "storefront": customer.storefront,
                "opted_out": customer.marketing_opt_out_at is not None,
                "saved": request.method == "GET" and request.GET.get("saved") == "1",
                "error": error,
                "language": translation.get_language(),
            },
            status=400 if error else 200,
        )
