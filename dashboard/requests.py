"""After-sales and supplier requests on the staff dashboard: lists, one request, its actions.

One list view, one page view and one action view serve every kind of request,
each given the kind's `RequestPages` (dashboard/request_pages.py) by its URL.
The buttons are the ones the admin's request panels show
(`fulfillment.workflows.request_available_actions`) and call the same services.
Each action form carries the request's `updated_at` as the page saw it, so a
request that changed since is refused (412). Without JavaScript a success
redirects to the request's page; a refusal re-renders it with its status
(400 form error, 403, 409, 412). Through htmx the request panel comes back.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.workflows import (
    RequestAction,
    request_advance,
    request_available_actions,
    request_outside_team,
)
from shared.errors import OrderError, TransitionPermissionDenied

from . import selectors
from .forms import RequestFilterForm, request_action_form
from .frame import dashboard_render, dashboard_staff_required
from .frame import forbidden as _forbidden
from .frame import is_htmx as _is_htmx
from .request_pages import RequestPages
from .request_refund_confirm import resolution_refund_step

PAGE_TEMPLATE = "dashboard/request_detail.html"
PANEL_TEMPLATE = "dashboard/_request_panel.html"


def request_urls(pages: RequestPages) -> list[URLPattern]:
    """The list, page and action addresses of one kind of request."""
    kind = {"pages": pages}
    return [
        path(pages.path, request_list, kind, name=f"{pages.name}-list"),
        path(f"{pages.path}<int:pk>/", request_detail, kind, name=f"{pages.name}-detail"),
        path(f"{pages.path}<int:pk>/act/", request_act, kind, name=f"{pages.name}-act"),
    ]


def _page_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _request_or_404(pages: RequestPages, pk: int) -> Model:
    obj = selectors.request_for_page(pages, pk)
    if obj is None:
        raise Http404(f"No such {pages.workflow.model._meta.verbose_name}.")
    return obj


def _action_forms(
    available: list[RequestAction], bound: dict[str, Any] | None = None
) -> list[tuple[RequestAction, Any]]:
    bound = bound or {}
    return [(action, bound.get(action.name) or request_action_form(action)) for action in available]


def _context(
    request: HttpRequest, pages: RequestPages, obj: Model, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    return {
        "pages": pages,
        "item": obj,
        "title": pages.item_title(obj),
        "order": obj.order,
        # What the action forms send back: the request's last change as the page saw it.
        "version": obj.updated_at.isoformat(),
        "action_forms": _action_forms(request_available_actions(obj, user), bound),
        "other_team": request_outside_team(obj, user),
        "history": selectors.request_history(pages.workflow, obj),
        "act_url": reverse(pages.url_names["act"], args=[obj.pk]),
        "detail_url": reverse(pages.url_names["detail"], args=[obj.pk]),
    }


def _kind_viewers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only, and of them those who may view the kind's requests (403 for the others)."""

    @wraps(view)
    def checked(request: HttpRequest, pages: RequestPages, **kwargs: Any) -> HttpResponse:
        if not request.user.has_perm(pages.workflow.view_permission):
            return _forbidden(request, pages.forbidden)
        return view(request, pages, **kwargs)

    return dashboard_staff_required(checked)


@require_GET
@_kind_viewers_only
def request_list(request: HttpRequest, pages: RequestPages) -> HttpResponse:
    form = RequestFilterForm(pages.workflow, request.GET)
    requests = selectors.requests_for_list(pages, **form.filters())
    page = Paginator(requests, selectors.REQUEST_PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        "dashboard/request_list.html",
        {"pages": pages, "form": form, "page": page, "page_query": _page_query(request)},
    )


@require_GET
@_kind_viewers_only
def request_detail(request: HttpRequest, pages: RequestPages, pk: int) -> HttpResponse:
    obj = _request_or_404(pages, pk)
    return dashboard_render(request, PAGE_TEMPLATE, _context(request, pages, obj))


@require_POST
@_kind_viewers_only
def request_act(request: HttpRequest, pages: RequestPages, pk: int) -> HttpResponse:
    """Check the action's permission and form, run the service, answer as the page expects."""
    obj = _request_or_404(pages, pk)

    def answer(
        status: int, bound: dict[str, Any] | None = None, confirm: dict | None = None
    ) -> HttpResponse:
        template = PANEL_TEMPLATE if _is_htmx(request) else PAGE_TEMPLATE
        context = _context(request, pages, _request_or_404(pages, pk), bound)
        context["confirm"] = confirm
        return dashboard_render(request, template, context, status=status)

    action = pages.workflow.action(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action; nothing was changed."))
        return answer(400)
    if not request.user.has_perm(action.permission):
        message = _("You may not do that: %(action)s.") % {"action": action.label}
        if not _is_htmx(request):
            return _forbidden(request, message)
        messages.error(request, message)
        return answer(403)
    form = request_action_form(action, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the form; nothing was changed."))
        for error in form.errors.get("updated_at", []):
            messages.error(request, error)
        return answer(400, {action.name: form})
    try:
        # A refund moves money: first say exactly what will happen, act once confirmed.
        confirm = resolution_refund_step(request, obj, action.name, form)
        if confirm is not None:
            return answer(200, confirm=confirm)
        request_advance(
            obj,
            action=action.name,
            actor=request.user,
            values=form.cleaned_data,
            expected_updated_at=form.cleaned_data["updated_at"],
        )
    except OrderError as error:
        if isinstance(error, TransitionPermissionDenied) and not _is_htmx(request):
            return _forbidden(request, error.message)
        messages.error(request, error.message)
        return answer(error.http_status)
    messages.success(request, _("%(action)s: done.") % {"action": action.label})
    if not _is_htmx(request):
        return redirect(pages.url_names["detail"], pk=obj.pk)
    return answer(200)
