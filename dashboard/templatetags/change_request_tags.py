"""The order page's pending change requests and their buttons.

`{% load change_request_tags %}{% order_change_requests order %}`.

A tag rather than the panel's context so the order page pays its one query
here, and the panel's view stays as it is.
"""

from django import template
from django.urls import reverse

from ..change_requests import change_request_rows

register = template.Library()


@register.inclusion_tag("dashboard/_order_change_requests.html", takes_context=True)
def order_change_requests(context, order):
    request = context["request"]
    pending = list(order.change_requests.pending())
    for asked in pending:
        asked.order = order  # the page's order, with its lines and address loaded
    return {
        # One order: cancelling some items is previewed to state the money.
        "rows": change_request_rows(pending, request.user, preview_items=True) if pending else [],
        "may_see": request.user.has_perm("orders.view_orderchangerequest"),
        # Back to this order after deciding, also when htmx drew the panel after a post.
        "next": reverse("dashboard:order-detail", args=[order.number]),
        "csrf_token": context.get("csrf_token"),
    }
