"""`{% due_badge state due_at %}`: how an order stands against its stage's due time.

A tag rather than an included template: the board shows it on 180 cards, and
including a template per card cost a sixth of the page (see benchmarks/).
"""

from datetime import datetime

from django import template
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def due_badge(state: str, due_at: datetime | None = None) -> SafeString:
    """The "Overdue" or "At risk" badge for `state`, then the due time if given."""
    parts = []
    if state == "overdue":
        parts.append(("due due--overdue", gettext("Overdue")))
    elif state == "at_risk":
        parts.append(("due due--at-risk", gettext("At risk")))
    badge = format_html_join("", '<span class="{}">{}</span>', parts)
    if due_at is None:
        return badge
    local = timezone.localtime(due_at)
    return format_html(
        '{} <span class="due__time">{} <time datetime="{}">{}</time></span>',
        badge,
        gettext("due"),
        dateformat.format(local, "c"),
        formats.date_format(local, "DATETIME_FORMAT"),
    )
