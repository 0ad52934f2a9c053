"""The customer pages reached from signed links in e-mails: tracking and e-mail preferences."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from orders.models import HoldReason, Order, OrderStatus

from .models import Customer
from .preferences import (
    customer_notifications_opt_in,
    customer_notifications_opt_out,
    preferences_token_read,
)
from .ratelimit import rate_limit_exceeded
from .selectors import order_lookup, order_progress
from .tracking import tracking_token_make, tracking_token_read

# Where a customer most likely reads the page, from the country we ship to.
_COUNTRY_TIME_ZONES = {
    "VN": "Asia/Ho_Chi_Minh",
    "SG": "Asia/Singapore",
    "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
    "DE": "Europe/Berlin",
    "US": "America/New_York",
}


@require_http_methods(["GET", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    """`/track/`: find an order by its number and the e-mail or postal code used for it."""
    error = ""
    status = 200
    if request.method == "POST":
        if rate_limit_exceeded(
            scope="track",
            request=request,
            limit=settings.TRACKING_LOOKUP_LIMIT,
            window_seconds=settings.TRACKING_LOOKUP_WINDOW_SECONDS,
        ):
            error = gettext("Too many attempts. Please wait a few minutes and try again.")
            status = 429
        else:
            order = order_lookup(
                number=request.POST.get("number", ""),
                email_or_postal_code=request.POST.get("email_or_postal_code", ""),
            )
            if order is not None:
                return redirect("customers:track_order", token=tracking_token_make(order))
            error = gettext(
                "We could not find an order with these details. Check the order number "
                "and use the e-mail address or postal code you gave with the order."
            )
    return render(
        request,
        "customers/track_lookup.html",
        {"error": error, "number": request.POST.get("number", "")[:20]},
        status=status,
    )


def track_order(request: HttpRequest, token: str) -> HttpResponse:
    """Show where the order is; a forged or damaged token is a plain 404."""
    number = tracking_token_read(token)
    order = (
        Order.objects.select_related("storefront", "customer", "shipping_address")
        .filter(number=number)
        .first()
        if number
        else None
    )
    if order is None:
        raise Http404("No such order.")
    language = request.GET.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = order.customer.language or order.storefront.default_language
    time_zone = _COUNTRY_TIME_ZONES.get(order.shipping_address.country, settings.TIME_ZONE)
    events = order.events.filter(customer_visible=True).order_by("created_at", "id")
    shipments = order.shipments.filter(next_leg__isnull=True).select_related("carrier")
    with translation.override(language), timezone.override(time_zone):
        timeline = [
            {"at": event.created_at, "message": event.customer_message()} for event in events
        ]
        context = {
            "order": order,
            "language": language,
            "time_zone": time_zone,
            "progress": order_progress(order),
            "status_name": order.customer_status_display,
            "hold_reason": HoldReason(order.hold_reason).label
            if order.status == OrderStatus.ON_HOLD and order.hold_reason in HoldReason.values
            else "",
            "shipments": shipments,
            "timeline": [entry for entry in timeline if entry["message"]],
            "languages": settings.LANGUAGES,
        }
        response = render(request, "customers/track_order.html", context)
    response["Content-Language"] = language
    return response


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
