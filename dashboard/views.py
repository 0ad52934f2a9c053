"""The staff dashboard: thin views over `dashboard.selectors` and the services.

Every page needs a staff account. Order actions post a plain form that works
without JavaScript (POST, then redirect with a message) and, through htmx,
get the order panel back re-rendered in place; a refusal keeps its HTTP status
(403, 409, 412, ...) so htmx callers and tests see what happened.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.models import Carrier
from fulfillment.selectors import (
    order_open_package_contents,
    order_packages_without_shipment,
    order_pick_lines,
    order_unpacked_quantities,
    order_unpicked_quantities,
)
from fulfillment.services import package_create, shipment_create
from fulfillment.services.picking import picking_record
from fulfillment.services.scanning import open_package_close, open_package_empty
from orders.locking import user_may_work_order
from orders.models import Order, OrderStatus, Team
from orders.planning import sla_alerts_open  # noqa: F401
from orders.selectors import order_available_transitions, order_blocked_transitions
from orders.services import TRANSITIONS, order_team_reassign, order_transition
from shared.actors import permission_require
from shared.errors import (
    OrderError,
    OrderValidationError,
    TransitionPermissionDenied,
)
from shared.parsing import amount_or_none, version_or_none, whole_number

from . import selectors
from .after_sales import user_may_open_after_sales
from .backorders import backorder_panel_context
from .forms import OrderFilterForm, StaffAuthenticationForm
from .frame import dashboard_render, dashboard_staff_required
from .frame import forbidden as _forbidden
from .frame import is_htmx as _is_htmx
from .money_confirm import money_move_confirmation
from .order_edits import user_may_cancel_items, user_may_edit_order

QUEUE_STATUSES = set(OrderStatus.values)


# -- sign in and out ------------------------------------------------------------------


class DashboardLoginView(auth_views.LoginView):
    template_name = "dashboard/login.html"
    authentication_form = StaffAuthenticationForm
    # A logged-in non-staff user would bounce between login and dashboard forever.
    redirect_authenticated_user = False


class DashboardLogoutView(auth_views.LogoutView):
    next_page = "dashboard:login"


# -- landing, board and queues --------------------------------------------------------


@require_GET
@dashboard_staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Send team members to their team's queue; managers and people in no team to the board."""
    team = selectors.user_home_team(request.user)
    if team is None:
        return redirect("dashboard:board")
    stage = selectors.team_home_stage(team)
    return HttpResponseRedirect(
        reverse("dashboard:queue", args=[stage]) + "?" + urlencode({"team": team.pk})
    )


def _filter_form(request: HttpRequest) -> OrderFilterForm:
    return OrderFilterForm(request.GET)


def _search_jump(form: OrderFilterForm) -> HttpResponse | None:
    """An exact order number or tracking number opens that order straight away."""
    number = selectors.order_search_exact(form.filters().search)
    if number is None:
        return None
    return redirect("dashboard:order-detail", number=number)


@require_GET
@dashboard_staff_required
def board(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    jump = _search_jump(form)
    if jump is not None:
        return jump
    columns = selectors.board_columns(filters=form.filters())
    return dashboard_render(
        request,
        "dashboard/board.html",
        {
            "form": form,
            "columns": columns,
            "category_suggestions": form.category_suggestions(),
            "filter_query": _filter_query(request),
            "may_make_pick_list": request.user.has_perm("fulfillment.add_picklist"),
        },
    )


@require_GET
@dashboard_staff_required
def queue(request: HttpRequest, status: str) -> HttpResponse:
    if status not in QUEUE_STATUSES:
        raise Http404("No such stage.")
    form = _filter_form(request)
    jump = _search_jump(form)
    if jump is not None:
        return jump
    sort = request.GET.get("sort", "overdue")
    if sort not in selectors.QUEUE_SORTS:
        sort = "overdue"
    orders = selectors.queue_orders(status=status, filters=form.filters(), sort=sort)
    # Leads select up to a bulk job's worth of orders on one page.
    per_page = request.GET.get("per_page", "")
    page_size = (
        int(per_page) if per_page in selectors.QUEUE_PAGE_SIZES else selectors.QUEUE_PAGE_SIZE
    )
    page = Paginator(orders, page_size).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/queue.html",
        {
            "form": form,
            "status": status,
            "status_label": selectors.stage_label(status),
            "page": page,
            "sort": sort,
            "page_size": page_size,
            "page_sizes": selectors.QUEUE_PAGE_SIZES,
            "category_suggestions": form.category_suggestions(),
            "filter_query": _filter_query(request, drop=("page", "sort")),
            "size_query": _filter_query(request, drop=("page", "per_page")),
            "page_query": _filter_query(request, drop=("page",)),
            "bulk_transitions": selectors.bulk_transition_choices(request.user),
            # A wave pick list of the selected orders, on the queues where orders are picked.
            "may_make_pick_list": status == OrderStatus.PICKING
            and request.user.has_perm("fulfillment.add_picklist"),
            "stages": [(stage, selectors.stage_label(stage)) for stage in selectors.BOARD_STAGES],
        },
    )


def _filter_query(request: HttpRequest, drop: tuple[str, ...] = ()) -> str:
    """The current filters as a query string, for links that keep them (columns, pages)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


# -- one order ------------------------------------------------------------------------


def _order_or_404(number: str) -> Order:
    order = selectors.order_for_dashboard(number)
    if order is None:
        raise Http404("No such order.")
    return order


def _panel_context(request: HttpRequest, order: Order) -> dict[str, Any]:
    """What the order panel shows, and which buttons and forms this user gets."""
    user = request.user
    now = timezone.now()
    available = order_available_transitions(order=order, user=user)
    may_work = user_may_work_order(order, user)
    may_pick = (
        may_work
        and order.status == OrderStatus.PICKING
        and user.has_perm("fulfillment.add_pickrecord")
    )
    unpicked = order_unpicked_quantities(order) if may_pick else {}
    pick_lines = [row for row in order_pick_lines(order) if row["left"]] if unpicked else []
    unpacked = (
        order_unpacked_quantities(order)
        if may_work
        and order.status == OrderStatus.PACKING
        and user.has_perm("fulfillment.add_package")
        else {}
    )
    unshipped = (
        order_packages_without_shipment(order)
        if may_work
        and order.status in (OrderStatus.PACKING, OrderStatus.READY_TO_SHIP)
        and user.has_perm("fulfillment.add_shipment")
        else []
    )
    may_reassign = user.has_perm("orders.reassign_order")
    # The box being filled by scanning: shown (and emptied) whatever the order's state.
    open_package = (
        order_open_package_contents(order)
        if may_work and user.has_perm("fulfillment.add_package")
        else {}
    )
    return {
        "order": order,
        # What the header's scan field does with a SKU on this page (dashboard/scanning.py).
        "scan_order": order.number,
        "scan_screen": {OrderStatus.PICKING: "pick", OrderStatus.PACKING: "pack"}.get(
            order.status, ""
        ),
        "open_package": open_package,
        "transition_groups": [
            (title, [spec for spec in available if spec.field == field])
            for title, field in [(_("Order"), "status"), (_("Payment"), "payment_status")]
            if any(spec.field == field for spec in available)
        ],
        "blocked_transitions": order_blocked_transitions(order=order, user=user),
        "hold_reasons": TRANSITIONS["hold"].reason_choices_for(user),
        "unpicked": unpicked,
        "pick_lines": pick_lines,
        "unpacked": unpacked,
        "unshipped_packages": unshipped,
        "carriers": Carrier.objects.filter(is_active=True).order_by("name") if unshipped else [],
        "may_reassign": may_reassign,
        "may_open_after_sales": user_may_open_after_sales(order, user),
        "may_edit_order": user_may_edit_order(order, user),
        "may_cancel_items": user_may_cancel_items(order, user),
        "teams": selectors.reassign_team_choices() if may_reassign else [],
        "stage_due_times": selectors.order_stage_due_times(order, now=now),
        "sla_state": selectors.order_sla_state(order, now=now),
        "now": now,
        **backorder_panel_context(order, user),
    }


@require_GET
@dashboard_staff_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    return dashboard_render(request, "dashboard/order_detail.html", _panel_context(request, order))


def _order_action_response(request: HttpRequest, number: str, *, status: int = 200):
    """After an action: the re-rendered panel for htmx, else a redirect to the order page."""
    if not _is_htmx(request):
        return redirect("dashboard:order-detail", number=number)
    order = _order_or_404(number)
    return dashboard_render(
        request, "dashboard/_order_panel.html", _panel_context(request, order), status=status
    )


def _order_error_response(request: HttpRequest, number: str, error: OrderError) -> HttpResponse:
    """Show a refusal as a message; htmx gets its status, a plain post a redirect (403 stays)."""
    if isinstance(error, TransitionPermissionDenied) and not _is_htmx(request):
        return _forbidden(request, error.message)
    messages.error(request, _message_with_details(error))
    return _order_action_response(request, number, status=error.http_status)


def _message_with_details(error: OrderError) -> str:
    """The error's message and what it says about each field, on one line."""
    details = "; ".join(
        " ".join(map(str, problems))
        for problems in error.details.values()
        if isinstance(problems, list)
    )
    if not details or details in error.message:
        return error.message
    return f"{error.message} {details}"


def _posted_version(request: HttpRequest) -> int | None:
    return version_or_none(request.POST.get("version"))


@require_POST
@dashboard_staff_required
def order_transition_view(request: HttpRequest, number: str) -> HttpResponse:
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    try:
        # Cancel, void and refund first show what will happen (dashboard/money_confirm.py).
        confirmation = money_move_confirmation(request, order)
        if confirmation is not None:
            return confirmation
        order = order_transition(
            order=order,
            transition=request.POST.get("transition", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            amount=amount_or_none(request.POST.get("amount", "")),
            expected_version=_posted_version(request),
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    messages.success(
        request,
        _("Order %(number)s is now %(status)s (payment %(payment)s).")
        % {
            "number": order.number,
            "status": order.get_status_display(),
            "payment": order.get_payment_status_display(),
        },
    )
    return _order_action_response(request, number)


def _posted_picks(request: HttpRequest, order: Order) -> list[dict[str, Any]]:
    """The pick form's `picked-<line>` and `short-<line>` fields as the service's picks.

    A field left empty counts as 0; anything else that is not a whole number is
    passed on as typed, for the service to refuse with its own words.
    """
    picks = []
    for line in order.lines.order_by("id"):
        values = {}
        for field, key in (("picked", "quantity"), ("short", "short")):
            raw = request.POST.get(f"{field}-{line.pk}", "").strip()
            number = whole_number(raw) if raw else 0
            values[key] = raw if number is None else number
        if values["quantity"] or values["short"]:
            picks.append({"sku": line.sku, **values})
    return picks


@require_POST
@dashboard_staff_required
def order_pick(request: HttpRequest, number: str) -> HttpResponse:
    """Record what came off the shelf per line, and what was short (which holds the order)."""
    order = Order.objects.select_related("team").filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    try:
        records = picking_record(
            order=order,
            picks=_posted_picks(request, order),
            actor=request.user,
            expected_version=_posted_version(request),
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    short = sum(record.quantity_short for record in records)
    if short:
        messages.warning(
            request,
            _("Picked what the shelf had; %(count)s short, so the order is on hold.")
            % {"count": short},
        )
    elif order_unpicked_quantities(order):
        messages.success(
            request,
            _("Picked %(count)s.") % {"count": sum(r.quantity_picked for r in records)},
        )
    else:
        messages.success(request, _("Everything is picked."))
    return _order_action_response(request, number)


@require_POST
@dashboard_staff_required
def order_pack(request: HttpRequest, number: str) -> HttpResponse:
    """Close the open package filled by scanning, or else pack everything unpacked into one."""
    order = Order.objects.select_related("team").filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    weight = request.POST.get("weight_grams", "").strip()
    try:
        if order_open_package_contents(order):
            package = open_package_close(
                order=order,
                weight_grams=whole_number(weight) or 0,
                actor=request.user,
                expected_version=_posted_version(request),
            )
            messages.success(request, _("Package #%(id)s closed.") % {"id": package.pk})
            return _order_action_response(request, number)
        # Permission before staleness: someone who may not pack learns that first.
        package = package_create(
            order=order,
            lines=[
                {"sku": sku, "quantity": quantity}
                for sku, quantity in order_unpacked_quantities(order).items()
            ],
            weight_grams=whole_number(weight) or 0,
            actor=request.user,
            expected_version=_posted_version(request),
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    messages.success(request, _("Package #%(id)s packed.") % {"id": package.pk})
    return _order_action_response(request, number)


@require_POST
@dashboard_staff_required
def order_open_package_empty(request: HttpRequest, number: str) -> HttpResponse:
    """Take everything out of the open package: the packer starts the box again."""
    order = Order.objects.select_related("team").filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    try:
        units = open_package_empty(
            order=order, actor=request.user, expected_version=_posted_version(request)
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    messages.success(
        request, _("The open package is empty again (%(units)s taken out).") % {"units": units}
    )
    return _order_action_response(request, number)


@require_POST
@dashboard_staff_required
def order_book_shipment(request: HttpRequest, number: str) -> HttpResponse:
    """Put the packages the page showed without a shipment into one shipment."""
    order = Order.objects.select_related("team").filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    package_ids = [
        pk for pk in map(whole_number, request.POST.getlist("packages")) if pk is not None
    ]
    try:
        shipment = shipment_create(
            order=order,
            carrier_code=request.POST.get("carrier", ""),
            tracking_number=request.POST.get("tracking_number", ""),
            package_ids=package_ids,
            actor=request.user,
            expected_version=_posted_version(request),
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    messages.success(request, _("Shipment %(shipment)s booked.") % {"shipment": shipment})
    return _order_action_response(request, number)


@require_POST
@dashboard_staff_required
def order_team(request: HttpRequest, number: str) -> HttpResponse:
    """Move the order to another team (a manager's call)."""
    order = Order.objects.filter(number=number).first()
    if order is None:
        raise Http404("No such order.")
    raw_team = request.POST.get("team", "").strip()
    team_id = whole_number(raw_team)
    team = Team.objects.filter(pk=team_id, is_active=True).first() if team_id is not None else None
    try:
        permission_require(request.user, "orders.reassign_order", "move orders to another team")
        if raw_team and team is None:
            raise OrderValidationError(_("No such active team."))
        order = order_team_reassign(
            order=order,
            team=team,
            actor=request.user,
            note=request.POST.get("note", ""),
            expected_version=_posted_version(request),
        )
    except OrderError as error:
        return _order_error_response(request, number, error)
    messages.success(
        request,
        _("Order %(number)s now belongs to %(team)s.")
        % {"number": order.number, "team": team or _("no team")},
    )
    return _order_action_response(request, number)


# -- the leads' overview --------------------------------------------------------------


@require_GET
@dashboard_staff_required
def overview(request: HttpRequest) -> HttpResponse:
    if not selectors.user_may_see_overview(request.user):
        return _forbidden(request, _("The overview is for managers and team leads."))
    now = timezone.now()
    return dashboard_render(
        request,
        "dashboard/overview.html",
        {
            "per_stage": selectors.overview_orders_per_stage(),
            "throughput": selectors.overview_throughput_today(now=now),
            "overdue_per_team": selectors.overview_overdue_per_team(now=now),
            "stage_times": selectors.overview_average_stage_times(now=now),
        },
    )
