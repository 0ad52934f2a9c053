"""The scan field in every dashboard page's header: a barcode scanner types a code, then Enter.

`POST /dashboard/scan/` with `code`, and on an order page the order's number
(`order`) and its screen (`screen`: `pick` or `pack`), on a wave pick list
its id (`pick_list`, `screen` `wave`). On the picking screen a SKU of the
order records one unit picked, on the packing screen one unit into the open
package, on a wave one unit picked for the first order still needing it;
anywhere, an order number or tracking number opens that order. The page's SKU
wins over a number that reads the same.

A plain form post is answered with a redirect and a message (back to the page
the user was on when refused). A caller asking for JSON (`Accept:
application/json`, as static/dashboard/scan.js does) or htmx gets
`{"ok": bool, "message": str, "url": str?}`: 200 with where to go, or the
refusal's status (400 nothing read, 403 not allowed, 404 nothing matches, 409
one too many or the wrong stage, 412 stale page) with the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fulfillment.models import PickList
from fulfillment.selectors import order_sku_scanned, pick_list_sku_scanned
from fulfillment.services.scanning import (
    ScanCount,
    pack_scan_add,
    pick_scan_record,
    wave_scan_record,
)
from orders.models import Order
from shared.errors import OrderError
from shared.parsing import whole_number

from . import selectors
from .frame import dashboard_staff_required, is_htmx

# Longer than any order number, tracking number or SKU: refused without a look-up.
CODE_MAX_LENGTH = 100
SCREENS = ("pick", "pack")


@require_POST
@dashboard_staff_required
def scan(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("code", "").strip()
    number = request.POST.get("order", "").strip()[:CODE_MAX_LENGTH]
    screen = request.POST.get("screen", "")
    if not code:
        return _refused(request, _("Nothing was scanned."), status=400)
    if len(code) > CODE_MAX_LENGTH:
        return _refused(request, _nothing_matches(code), status=404)
    order = (
        Order.objects.select_related("team").filter(number=number).first()
        if number and screen in SCREENS
        else None
    )
    sku = order_sku_scanned(order, code) if order is not None else None
    if sku is not None:
        return _sku_scanned(request, order, sku, screen)
    pick_list = (
        PickList.objects.filter(pk=whole_number(request.POST.get("pick_list", ""))).first()
        if screen == "wave"
        else None
    )
    sku = pick_list_sku_scanned(pick_list, code) if pick_list is not None else None
    if sku is not None:
        return _wave_scanned(request, pick_list, sku)
    found = selectors.order_search_exact(code)
    if found is None:
        return _refused(request, _nothing_matches(code, order), status=404)
    return _done(
        request,
        _("Opened order %(number)s.") % {"number": found},
        reverse("dashboard:order-detail", args=[found]),
        success=False,
    )


def _sku_scanned(request: HttpRequest, order: Order, sku: str, screen: str) -> HttpResponse:
    try:
        if screen == "pick":
            count = pick_scan_record(order=order, sku=sku, actor=request.user)
            text = _("Picked 1 x %(sku)s (%(done)s of %(of)s).")
        else:
            count = pack_scan_add(order=order, sku=sku, actor=request.user)
            text = _("Added 1 x %(sku)s to the open package (%(done)s of %(of)s packed or open).")
    except OrderError as error:
        return _scan_refused(request, sku, error)
    return _done(
        request,
        text % _count_words(count),
        reverse("dashboard:order-detail", args=[order.number]),
    )


def _wave_scanned(request: HttpRequest, pick_list: PickList, sku: str) -> HttpResponse:
    try:
        order, count = wave_scan_record(pick_list=pick_list, sku=sku, actor=request.user)
    except OrderError as error:
        return _scan_refused(request, sku, error)
    return _done(
        request,
        _("Picked 1 x %(sku)s for order %(number)s: into its tote (%(done)s of %(of)s).")
        % {"number": order.number, **_count_words(count)},
        reverse("dashboard:pick-list", args=[pick_list.pk]),
    )


def _scan_refused(request: HttpRequest, sku: str, error: OrderError) -> HttpResponse:
    return _refused(
        request,
        _("Refused %(code)s: %(reason)s") % {"code": _shown(sku), "reason": error.message},
        status=error.http_status,
    )


def _count_words(count: ScanCount) -> dict[str, object]:
    return {"sku": count.sku, "done": count.done, "of": count.of}


def _shown(code: str) -> str:
    """The code as the message names it: scanners can send a lot; the message stays short."""
    return code if len(code) <= 40 else code[:40] + "…"


def _nothing_matches(code: str, order: Order | None = None) -> str:
    if order is not None:
        return _(
            "Nothing matches %(code)s: it is no SKU of order %(number)s, and no order or "
            "tracking number."
        ) % {"code": _shown(code), "number": order.number}
    return _("Nothing matches %(code)s: no order or tracking number.") % {"code": _shown(code)}


def _wants_json(request: HttpRequest) -> bool:
    return is_htmx(request) or "application/json" in request.headers.get("Accept", "")


def _done(request: HttpRequest, message: str, url: str, *, success: bool = True) -> HttpResponse:
    """Go to `url`; the page there shows the message (an order simply opening needs none)."""
    if success:
        messages.success(request, message)
    if _wants_json(request):
        return JsonResponse({"ok": True, "message": message, "url": url})
    return redirect(url)


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """Refused loudly: the status and message for scripts, else back where the user was."""
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    messages.error(request, message)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("dashboard:home")
    return redirect(back)
