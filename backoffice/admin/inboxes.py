"""What the admin's stored-webhook lists share: the platforms' deliveries, the aggregators' updates.

Each is read-only, shows its kept headers and raw body, and has two actions that
go through the app's services (as the dashboard's inbox pages do): apply the
selected ones again, each committed on its own so one refusal does not stop the
rest, and mark them dealt with.
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shared.errors import OrderError


class InboxAdmin(admin.ModelAdmin):
    """Read-only list of one kind of stored webhook, with "Apply again" and "Mark dealt with"."""

    actions = ["reapply_selected", "resolve_selected"]
    # Set by each admin: the services behind the two actions, the field that names one
    # stored webhook in a refusal, and what "marked dealt with" says for a count.
    reapply_service: Callable[..., Any]
    resolve_service: Callable[..., Any]
    id_field: str
    resolved_message: Callable[[int], str]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("error"))
    def error_short(self, item) -> str:
        return item.error[:120] + ("…" if len(item.error) > 120 else "")

    @admin.display(description=_("headers"))
    def headers_display(self, item) -> str:
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            json.dumps(item.headers, indent=2, sort_keys=True, ensure_ascii=False),
        )

    @admin.display(description=_("raw body (as received)"))
    def raw_body_display(self, item) -> str:
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', item.raw_body)

    @admin.action(description=_("Apply again"), permissions=["reapply"])
    def reapply_selected(self, request: HttpRequest, queryset) -> None:
        outcomes: dict[str, int] = {}
        for item in queryset.order_by("received_at", "id"):
            # Each one is applied and committed on its own: one refusal does not stop the
            # rest, and the summary says what happened to every one of them.
            try:
                item = type(self).reapply_service(item, actor=request.user)
            except OrderError as error:
                self.message_user(
                    request,
                    f"{getattr(item, self.id_field)}: {error.message}",
                    level=messages.ERROR,
                )
                continue
            label = item.get_outcome_display()
            outcomes[label] = outcomes.get(label, 0) + 1
        if outcomes:
            summary = ", ".join(f"{label}: {count}" for label, count in outcomes.items())
            self.message_user(
                request, _("Applied again. %(summary)s") % {"summary": summary}, messages.SUCCESS
            )

    @admin.action(description=_("Mark dealt with"), permissions=["resolve"])
    def resolve_selected(self, request: HttpRequest, queryset) -> None:
        items = list(queryset)
        for item in items:
            type(self).resolve_service(item, actor=request.user)
        self.message_user(request, type(self).resolved_message(len(items)), messages.SUCCESS)
