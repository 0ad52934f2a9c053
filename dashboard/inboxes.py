"""The pages of an inbox: webhooks from outside that are stored, applied, and settled by staff.

The shops' platform deliveries (dashboard/platform_deliveries.py) and the tracking
aggregators' updates (dashboard/tracking_updates.py) are both kept with their raw
body and outcome, and the ones that need someone wait until they are applied again
or marked dealt with. An `Inbox` says what differs between them (model words,
permissions, the filter by sender, the services behind the two buttons); the
views here are the same for both:

- `/dashboard/<path>`: newest first; `?attention=1` keeps those needing staff,
  plus filters by sender and outcome;
- `<path><pk>/`: one with its headers, raw body, outcome and error;
- `<path><pk>/apply/` and `<path><pk>/resolve/` (POST): apply it again, or mark
  it dealt with, through the app's services (which check the permissions too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Model, TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shared.errors import OrderError, TransitionPermissionDenied

from .frame import dashboard_render, dashboard_staff_required, forbidden

PAGE_SIZE = 50


@dataclass(frozen=True)
class Inbox:
    """One kind of stored incoming webhook, as its dashboard pages show it."""

    # Under /dashboard/ ("platform-deliveries/"); URL names "<list_name>" and "<item_name>",
    # "<item_name>-apply", "<item_name>-resolve".
    path: str
    list_name: str
    item_name: str
    # The template context's name for one of them ("delivery", "update").
    context_name: str
    list_template: str
    detail_template: str
    view_permission: str
    reapply_permission: str
    resolve_permission: str
    # Why someone without the view permission may not see the pages.
    forbidden: str
    # The filter by who sent it: its query parameter, its choices and their context name.
    sender_param: str
    senders: type[TextChoices]
    senders_context: str
    outcomes: type[TextChoices]
    # rows(**{sender_param: ..., "outcome": ..., "needs_attention": True | None}) -> queryset
    rows: Callable[..., Any]
    # find(pk) -> the stored one with what its page shows, or None
    find: Callable[[int], Model | None]
    # reapply(item, actor=user) -> item; resolve(item, actor=user)
    reapply: Callable[..., Any]
    resolve: Callable[..., Any]


def inbox_urls(inbox: Inbox) -> list[URLPattern]:
    """The list, page and two action addresses of one inbox."""
    kind = {"inbox": inbox}
    return [
        path(inbox.path, inbox_list, kind, name=inbox.list_name),
        path(f"{inbox.path}<int:pk>/", inbox_detail, kind, name=inbox.item_name),
        path(f"{inbox.path}<int:pk>/apply/", inbox_apply, kind, name=f"{inbox.item_name}-apply"),
        path(
            f"{inbox.path}<int:pk>/resolve/",
            inbox_resolve,
            kind,
            name=f"{inbox.item_name}-resolve",
        ),
    ]


def _viewer_only(request: HttpRequest, inbox: Inbox) -> HttpResponse | None:
    if request.user.has_perm(inbox.view_permission):
        return None
    return forbidden(request, inbox.forbidden)


def _item_or_404(inbox: Inbox, pk: int) -> Model:
    found = inbox.find(pk)
    if found is None:
        raise Http404("Not found.")
    return found


def _body_shown(raw_body: str) -> str:
    """The raw body as sent, indented when it is JSON (what staff compare with the sender's)."""
    try:
        return json.dumps(json.loads(raw_body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return raw_body


@require_GET
@dashboard_staff_required
def inbox_list(request: HttpRequest, inbox: Inbox) -> HttpResponse:
    refused = _viewer_only(request, inbox)
    if refused:
        return refused
    sender, outcome = request.GET.get(inbox.sender_param, ""), request.GET.get("outcome", "")
    filters = {
        "attention": request.GET.get("attention") == "1",
        inbox.sender_param: sender if sender in inbox.senders.values else "",
        "outcome": outcome if outcome in inbox.outcomes.values else "",
    }
    query = {name: value for name, value in filters.items() if value}
    if filters["attention"]:
        query["attention"] = "1"
    rows = inbox.rows(
        **{inbox.sender_param: filters[inbox.sender_param]},
        outcome=filters["outcome"],
        needs_attention=True if filters["attention"] else None,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return dashboard_render(
        request,
        inbox.list_template,
        {
            "page": page,
            "page_query": urlencode(query),
            "filters": filters,
            inbox.senders_context: inbox.senders.choices,
            "outcomes": inbox.outcomes.choices,
        },
    )


@require_GET
@dashboard_staff_required
def inbox_detail(request: HttpRequest, pk: int, inbox: Inbox) -> HttpResponse:
    refused = _viewer_only(request, inbox)
    if refused:
        return refused
    item = _item_or_404(inbox, pk)
    return dashboard_render(
        request,
        inbox.detail_template,
        {
            inbox.context_name: item,
            # What dashboard/inbox_item.html draws for every kind.
            "item": item,
            "apply_url": reverse(f"dashboard:{inbox.item_name}-apply", args=[item.pk]),
            "resolve_url": reverse(f"dashboard:{inbox.item_name}-resolve", args=[item.pk]),
            "body": _body_shown(item.raw_body),
            "may_reapply": request.user.has_perm(inbox.reapply_permission),
            "may_resolve": request.user.has_perm(inbox.resolve_permission),
        },
    )


@require_POST
@dashboard_staff_required
def inbox_apply(request: HttpRequest, pk: int, inbox: Inbox) -> HttpResponse:
    refused = _viewer_only(request, inbox)
    if refused:
        return refused
    item = _item_or_404(inbox, pk)
    try:
        item = inbox.reapply(item, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    except OrderError as error:
        messages.error(request, error.message)
        return redirect(f"dashboard:{inbox.item_name}", pk=pk)
    if item.needs_attention:
        messages.warning(
            request,
            _("Applied again, still %(outcome)s: %(error)s")
            % {"outcome": item.get_outcome_display().lower(), "error": item.error},
        )
    else:
        messages.success(
            request, _("Applied again: %(outcome)s.") % {"outcome": item.get_outcome_display()}
        )
    return redirect(f"dashboard:{inbox.item_name}", pk=pk)


@require_POST
@dashboard_staff_required
def inbox_resolve(request: HttpRequest, pk: int, inbox: Inbox) -> HttpResponse:
    refused = _viewer_only(request, inbox)
    if refused:
        return refused
    item = _item_or_404(inbox, pk)
    try:
        inbox.resolve(item, actor=request.user)
    except TransitionPermissionDenied as error:
        return forbidden(request, error.message)
    messages.success(request, _("Marked as dealt with."))
    return redirect(f"dashboard:{inbox.item_name}", pk=pk)
