"""The customer pages reached from signed links in e-mails: tracking and e-mail preferences."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from customers.models import Customer
from customers.preferences import (
    customer_notifications_opt_in,
    customer_notifications_opt_out,
    preferences_token_read,
)
from fulfillment.models import AfterSalesSource
from fulfillment.services.after_sales import after_sales_kinds_open, after_sales_request_open
from orders.links import tracking_token_expired, tracking_token_make, tracking_token_read
from orders.models import ChangeRequestKind, HoldReason, Order, OrderStatus
from orders.services import change_request_submit
from shared.errors import OrderError, OrderValidationError

from .change_requests import change_forms
from .forms import AfterSalesForm
from .ratelimit import rate_limit_exceeded
from .selectors import (
    order_after_sales_for_customer,
    order_change_requests_for_customer,
    order_expected_delivery,
    order_lookup,
    order_progress,
    order_shipments_for_customer,
    order_split_links_for_customer,
    order_timeline_for_customer,
)

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
                return redirect("tracking:track_order", token=tracking_token_make(order))
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


def _order_from_token(token: str) -> Order:
    """The order a tracking token names; 404 when forged, 410 when long closed."""
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
    if tracking_token_expired(token, order):
        raise _LinkExpired(order)
    return order


class _LinkExpired(Exception):
    def __init__(self, order: Order) -> None:
        self.order = order


def _page_language(request: HttpRequest, order: Order) -> str:
    language = request.GET.get("lang") or request.POST.get("lang")
    if language not in dict(settings.LANGUAGES):
        language = order.customer.language or order.storefront.default_language
    return language


def _link_expired_page(request: HttpRequest, order: Order) -> HttpResponse:
    with translation.override(_page_language(request, order)):
        response = render(
            request,
            "customers/track_expired.html",
            {"language": translation.get_language(), "storefront": order.storefront},
            status=410,
        )
    return response


def _track_page(
    request: HttpRequest,
    order: Order,
    *,
    token: str,
    language: str,
    form: AfterSalesForm | None = None,
    refusal: str = "",
    status: int = 200,
    change_forms_shown: dict | None = None,
    change_refusal: str = "",
) -> HttpResponse:
    """Render the status page in `language` and the customer's local time.

    `change_forms_shown`: the change forms as a post left them (with its data
    and errors), instead of fresh ones.
    """
    time_zone = _COUNTRY_TIME_ZONES.get(order.shipping_address.country, settings.TIME_ZONE)
    lines = list(order.lines.all())
    open_kinds = after_sales_kinds_open(order)
    can_open_after_sales = bool(open_kinds)
    with translation.override(language), timezone.override(time_zone):
        # Inside the override: each shipment's status label is worded when it is read.
        shipments = order_shipments_for_customer(order)
        if can_open_after_sales and form is None:
            form = AfterSalesForm(order_lines=lines, open_kinds=open_kinds)
        expected_delivery = order_expected_delivery(order, shipments)
        timeline = order_timeline_for_customer(order)
        change_requests = order_change_requests_for_customer(order, timeline)
        context = {
            "order": order,
            "lines": lines,
            "language": language,
            "time_zone": time_zone,
            "progress": order_progress(order),
            "status_name": order.customer_status_display,
            "hold_reason": HoldReason(order.hold_reason).label
            if order.status == OrderStatus.ON_HOLD and order.hold_reason in HoldReason.values
            else "",
            "expected_delivery": expected_delivery,
            "delivery_late": expected_delivery is not None
            and expected_delivery < timezone.localdate(),
            "shipments": shipments,
            "timeline": timeline,
            # Parts of the order that ship apart (back-orders), each with its own page.
            "split": order_split_links_for_customer(order),
            "after_sales": order_after_sales_for_customer(order),
            "after_sales_form": form if can_open_after_sales else None,
            "after_sales_action": reverse("tracking:track_after_sales", args=[token]),
            "after_sales_opened": request.GET.get("opened") == "1",
            "after_sales_refusal": refusal,
            "languages": settings.LANGUAGES,
            "change_requests": change_requests,
            "change_action": reverse("tracking:track_change_request", args=[token]),
            "change_asked": request.GET.get("asked", ""),
            "change_refusal": change_refusal,
            **(
                change_forms_shown
                if change_forms_shown is not None
                else change_forms(order, lines, change_requests)
            ),
        }
        response = render(request, "customers/track_order.html", context, status=status)
    response["Content-Language"] = language
    return response


@require_GET
def track_order(request: HttpRequest, token: str) -> HttpResponse:
    """Show where the order is; a forged or damaged token is a plain 404."""
    try:
        order = _order_from_token(token)
    except _LinkExpired as expired:
        return _link_expired_page(request, expired.order)
    return _track_page(request, order, token=token, language=_page_language(request, order))


@require_POST
def track_after_sales(request: HttpRequest, token: str) -> HttpResponse:
    """Open a return or complaint from the tracking page, then show it there."""
    try:
        order = _order_from_token(token)
    except _LinkExpired as expired:
        return _link_expired_page(request, expired.order)
    language = _page_language(request, order)
    lines = list(order.lines.all())

    def show_form_again(status: int) -> HttpResponse:
        return _track_page(request, order, token=token, language=language, form=form, status=status)

    with translation.override(language):
        form = AfterSalesForm(
            request.POST, request.FILES, order_lines=lines, open_kinds=after_sales_kinds_open(order)
        )
        if rate_limit_exceeded(
            scope="after_sales",
            request=request,
            limit=settings.AFTER_SALES_FORM_LIMIT,
            window_seconds=settings.AFTER_SALES_FORM_WINDOW_SECONDS,
        ):
            form.is_valid()
            form.add_error(None, gettext("Too many requests. Please try again later."))
            return show_form_again(429)
        if not form.fields["kind"].choices:
            # Nothing may be opened on this order now (before delivery, or too late).
            return _track_page(
                request,
                order,
                token=token,
                language=language,
                refusal=gettext("Returns and complaints can no longer be opened for this order."),
                status=409,
            )
        if not form.is_valid():
            return show_form_again(400)
        photo = form.cleaned_data.get("photo")
        try:
            after_sales_request_open(
                order=order,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                lines=form.line_counts(),
                source=AfterSalesSource.CUSTOMER,
                photos=[photo] if photo else [],
                submission_key=form.cleaned_data["submission_key"],
            )
        except OrderValidationError as error:
            field = "photo" if "photo" in error.details else None
            form.add_error(field, error.message)
            return show_form_again(400)
        except OrderError:
            order.refresh_from_db()
            return _track_page(
                request,
                order,
                token=token,
                language=language,
                refusal=gettext("Returns and complaints can no longer be opened for this order."),
                status=409,
            )
    target = reverse("tracking:track_order", args=[token])
    return redirect(f"{target}?{urlencode({'lang': language, 'opened': 1})}#after-sales")


@require_POST
def track_change_request(request: HttpRequest, token: str) -> HttpResponse:
    """Ask for a new delivery address or a cancellation from the tracking page.

    Bad input shows the form again with its errors (400); a change the order
    no longer allows (or one already asked) is said above the forms (409).
    """
    try:
        order = _order_from_token(token)
    except _LinkExpired as expired:
        return _link_expired_page(request, expired.order)
    language = _page_language(request, order)
    posted = request.POST.get("form", "")
    if posted not in ("address", "cancel"):
        posted = ""

    def page(status: int, *, refusal: str = "", forms: dict | None = None) -> HttpResponse:
        return _track_page(
            request,
            order,
            token=token,
            language=language,
            status=status,
            change_forms_shown=forms,
            change_refusal=refusal,
        )

    with translation.override(language):
        # Built as the page builds them: only the kinds the order still offers.
        asked = order_change_requests_for_customer(order, order_timeline_for_customer(order))
        offered = change_forms(
            order, list(order.lines.all()), asked, data=request.POST, bound=posted
        )
        form = offered.get(f"{posted}_form") if posted else None
        if rate_limit_exceeded(
            scope="change_request",
            request=request,
            limit=settings.CHANGE_REQUEST_FORM_LIMIT,
            window_seconds=settings.CHANGE_REQUEST_FORM_WINDOW_SECONDS,
        ):
            too_many = gettext("Too many requests. Please try again later.")
            if form is None:
                return page(429, refusal=too_many)
            form.is_valid()
            form.add_error(None, too_many)
            return page(429, forms=offered)
        if form is None:
            return page(409, refusal=gettext("This change can no longer be asked for here."))
        if not form.is_valid():
            return page(400, forms=offered)
        kind = ChangeRequestKind.ADDRESS if posted == "address" else form.cleaned_data["kind"]
        try:
            done = change_request_submit(
                order=order,
                kind=kind,
                data=form.change_data(),
                message=form.cleaned_data.get("message", ""),
            )
        except OrderValidationError as error:
            _refusal_onto(form, error)
            return page(400, forms=offered)
        except OrderError as error:
            order.refresh_from_db()
            return page(error.http_status, refusal=error.message)
    target = reverse("tracking:track_order", args=[token])
    query = urlencode({"lang": language, "asked": done.status})
    return redirect(f"{target}?{query}#changes")


def _refusal_onto(form, error: OrderValidationError) -> None:
    """Put the service's refusal on the fields it names, the rest above the form."""
    named = False
    for detail, problems in error.details.items():
        field = detail if detail in form.fields else None
        if field is None and hasattr(form, "field_for_detail"):
            field = form.field_for_detail(detail)
        if field is not None and isinstance(problems, list):
            for problem in problems:
                form.add_error(field, str(problem))
            named = True
    if not named:
        form.add_error(None, error.message)


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
