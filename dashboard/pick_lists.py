"""Wave pick lists made from the orders selected on the board or a queue.

The list itself, and which selected orders are left off it and why, is
`fulfillment.services.picking`'s to decide; the printable page is in
`dashboard.papers` (`/fulfillment/pick-lists/<id>/`).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.models import PickList
from fulfillment.selectors import pick_list_rows
from fulfillment.services.picking import pick_list_create_for_selection
from shared.errors import OrderError, TransitionPermissionDenied

from .frame import dashboard_render, dashboard_staff_required
from .frame import forbidden as _forbidden


@require_POST
@dashboard_staff_required
def pick_list_make(request: HttpRequest) -> HttpResponse:
    """Make one pick list of the selected orders that are picking; say which were left off."""
    try:
        selection = pick_list_create_for_selection(
            numbers=request.POST.getlist("orders"), actor=request.user
        )
    except TransitionPermissionDenied as error:
        return _forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        for problem in error.details.get("orders", []):
            messages.warning(request, problem)
        return redirect(_back(request))
    for number, why in selection.skipped:
        messages.warning(
            request,
            _("Left off the pick list: %(number)s. %(why)s") % {"number": number, "why": why},
        )
    return redirect("dashboard:pick-list", pk=selection.pick_list.pk)


@require_GET
@dashboard_staff_required
def pick_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The wave's lines summed per SKU and location, with the way to its print page."""
    if not request.user.has_perm("fulfillment.view_picklist"):
        return _forbidden(request, _("You may not see pick lists."))
    pick_list = get_object_or_404(PickList, pk=pk)
    return dashboard_render(
        request,
        "dashboard/pick_list.html",
        {
            "pick_list": pick_list,
            "order_numbers": list(
                pick_list.orders.order_by("number").values_list("number", flat=True)
            ),
            "rows": pick_list_rows(pick_list),
            # A SKU scanned here picks a unit for the wave (dashboard/scanning.py).
            "scan_screen": "wave",
            "scan_pick_list": pick_list.pk,
        },
    )


def _back(request: HttpRequest) -> str:
    """The board or queue the selection came from, if it is ours; else the board."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "dashboard:board"
