"""Customer care takes an order for a customer: by phone, in a chat or at the shop counter.

`/dashboard/take-order/` (`orders.take_order`: Manager and Customer care):

1. Pick the storefront and find the customer by e-mail, phone or name (a GET
   form; "Use" fills in their details and the address of their last order), or
   type a new customer.
2. Lines (SKU, name, quantity, unit price; the inventory's SKUs are suggested,
   with the price each last sold for), shipping price, payment, priority, the
   channel and a note. "Preview totals" computes the totals with the creation
   service's own check (nothing is written) and fills empty names and prices
   from the suggestions; "Add a line" adds a row.
3. "Create the order" calls `order_take`, the API's creation service, with the
   page's one-time token as the idempotency key: a second submit of the same
   page answers with the order the first one created.

Plain forms, so no JavaScript is needed; with htmx the SKU suggestions follow
what is typed (`/dashboard/take-order/skus/`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from orders.models import Storefront
from orders.services import (
    TAKE_ORDER_PERMISSION,
    order_take,
    order_take_preview,
    staff_external_id_generate,
    storefronts_for_taking,
)
from shared.errors import OrderError, OrderValidationError, TransitionPermissionDenied
from shared.money import minor_units
from shared.parsing import whole_number

from . import take_order_selectors as selectors
from .frame import dashboard_render, dashboard_staff_required, forbidden
from .take_order_forms import TakeOrder, lines_fill_blanks, posted_skus

TEMPLATE = "dashboard/take_order.html"


def _storefront_named(code: str | None) -> Storefront | None:
    if not code:
        return None
    return storefronts_for_taking().filter(code=code).first()


def _prices_in_currency(prices: dict[str, Decimal], currency: str) -> dict[str, Decimal]:
    # Stored with two decimals; shown as the currency writes them (VND none).
    step = Decimal(1).scaleb(-minor_units(currency))
    return {sku: price.quantize(step) for sku, price in prices.items()}


def _page(
    request: HttpRequest,
    page: TakeOrder,
    *,
    storefront: Storefront | None,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    suggestions = selectors.sku_suggestions(storefront=storefront) if storefront else []
    return dashboard_render(
        request,
        TEMPLATE,
        {
            "form": page.form,
            "lines": page.lines,
            "line_errors": page.line_errors,
            "storefronts": storefronts_for_taking(),
            "storefront": storefront,
            "sku_suggestions": suggestions,
            **context,
        },
        status=status,
    )


def _start(request: HttpRequest) -> HttpResponse:
    """The empty page, or one filled in with the customer staff found."""
    storefront = _storefront_named(request.GET.get("storefront"))
    if storefront is None and storefronts_for_taking().count() == 1:
        storefront = storefronts_for_taking().first()
    search = request.GET.get("q", "").strip()[:200]
    found = selectors.customers_find(storefront=storefront, search=search) if storefront else []
    initial: dict[str, Any] = {"country": storefront.ships_from_country if storefront else ""}
    if storefront is not None:
        initial["storefront"] = storefront.code
    customer = (
        selectors.customer_for_taking(
            storefront=storefront, customer_id=whole_number(request.GET.get("customer", ""))
        )
        if storefront
        else None
    )
    if customer is not None:
        initial.update(email=customer.email, name=customer.name, phone=customer.phone)
        address = selectors.customer_last_address(customer)
        if address is not None:
            initial.update(
                address_name=address.name if address.name != customer.name else "",
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                postal_code=address.postal_code,
                country=address.country,
                address_phone=address.phone if address.phone != customer.phone else "",
            )
    return _page(
        request,
        TakeOrder(initial=initial),
        storefront=storefront,
        search=search,
        found=found,
        searched=bool(search and storefront),
        customer=customer,
    )


def _preview(request: HttpRequest) -> HttpResponse:
    """Fill empty names and prices we know, check everything and show the totals."""
    data = request.POST
    storefront = _storefront_named(data.get("storefront"))
    filled: list[str] = []
    if storefront is not None:
        skus = posted_skus(data)
        data, filled = lines_fill_blanks(
            data,
            names=selectors.sku_names(skus),
            prices=_prices_in_currency(
                selectors.sku_last_prices(storefront=storefront, skus=skus), storefront.currency
            ),
        )
    page = TakeOrder(data)
    if not page.is_valid():
        return _page(request, page, storefront=storefront, status=400, filled=filled)
    try:
        totals = order_take_preview(
            actor=request.user,
            storefront=page.storefront,
            channel=page.form.cleaned_data["channel"],
            **page.order_fields(),
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderValidationError as error:
        page.service_errors_onto(error)
        return _page(request, page, storefront=storefront, status=400, filled=filled)
    return _page(request, page, storefront=storefront, totals=totals, filled=filled)


def _create(request: HttpRequest) -> HttpResponse:
    page = TakeOrder(request.POST)
    storefront = _storefront_named(request.POST.get("storefront"))
    if not page.is_valid():
        return _page(request, page, storefront=storefront, status=400)
    data = page.form.cleaned_data
    try:
        order, created = order_take(
            actor=request.user,
            storefront=page.storefront,
            channel=data["channel"],
            note=data["note"],
            idempotency_key=f"dashboard-{data['form_token']}",
            request_body=page.request_body(),
            external_id=staff_external_id_generate(),
            **page.order_fields(),
        )
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderValidationError as error:
        page.service_errors_onto(error)
        return _page(request, page, storefront=storefront, status=400)
    except OrderError as error:  # the page was used for another order already (422), ...
        page.form.add_error(None, error.message)
        return _page(request, page, storefront=storefront, status=error.http_status)
    if created:
        messages.success(
            request,
            _("Order %(number)s created for %(customer)s.")
            % {"number": order.number, "customer": order.customer.name},
        )
    else:
        messages.info(
            request,
            _("This page was sent twice: order %(number)s was created once.")
            % {"number": order.number},
        )
    return redirect("dashboard:order-detail", number=order.number)


@require_http_methods(["GET", "POST"])
@dashboard_staff_required
def take_order(request: HttpRequest) -> HttpResponse:
    """Show the page, add a line, preview the totals or create the order."""
    if not request.user.has_perm(TAKE_ORDER_PERMISSION):
        return forbidden(request, _("Orders for customers are taken by customer care."))
    if request.method == "GET":
        return _start(request)
    action = request.POST.get("action", "create")
    if action == "add_line":
        page = TakeOrder.with_a_line_more(request.POST)
        return _page(request, page, storefront=_storefront_named(request.POST.get("storefront")))
    if action == "preview":
        return _preview(request)
    return _create(request)


@require_GET
@dashboard_staff_required
def sku_options(request: HttpRequest) -> HttpResponse:
    """The SKU suggestions matching what is typed: `<option>`s for the page's datalist."""
    if not request.user.has_perm(TAKE_ORDER_PERMISSION):
        return forbidden(request, _("Orders for customers are taken by customer care."))
    storefront = _storefront_named(request.GET.get("storefront"))
    # htmx sends the typed SKU under the line's own field name (lines-2-sku).
    search = request.GET.get("q") or next(
        (value for name, value in request.GET.items() if name.endswith("-sku")), ""
    )
    suggestions = (
        selectors.sku_suggestions(storefront=storefront, search=search[:64]) if storefront else []
    )
    return render(
        request,
        "dashboard/_take_order_sku_options.html",
        {"sku_suggestions": suggestions, "storefront": storefront},
    )


def take_order_urls() -> list:
    return [
        path("take-order/", take_order, name="take-order"),
        path("take-order/skus/", sku_options, name="take-order-skus"),
    ]
