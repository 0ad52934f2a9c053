"""What the dashboard's request pages show of each kind of request.

`fulfillment.workflows` says what every kind shares (statuses, buttons, filters,
the service behind each button); a `RequestPages` adds what the staff
dashboard draws of one kind: its addresses, the columns of its list, the title
of one request, and what those need loaded. A request's own facts are drawn by
`templates/dashboard/_<kind>_facts.html`. The views, forms, selectors and
templates of `dashboard/requests.py` read only this.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fulfillment.workflows import AFTER_SALES, SUPPLIER_REQUESTS, RequestWorkflow

# The cells a request list may show (templates/dashboard/request_list.html draws them).
COLUMN_HEADINGS = {
    "request": _("Request"),
    "kind": _("Kind"),
    "supplier": _("Supplier"),
    "status": _("Status"),
    "delivery": _("Delivery"),
    "order": _("Order"),
    "customer": _("Customer"),
    "storefront": _("Storefront"),
    "opened": _("Opened"),
    "requested": _("Requested"),
    "items": _("Items and photos"),
    "lines": _("Lines"),
}
# Every request is shown with its order's storefront, customer and team.
ORDER_RELATED = ("order__storefront", "order__customer", "order__team")


@dataclass(frozen=True)
class RequestPages:
    """The list, page and action addresses of one kind of request, and what they show."""

    workflow: RequestWorkflow
    # Under /dashboard/; URL names "<name>-list", "<name>-detail" and "<name>-act".
    path: str
    name: str
    item_title: Callable[[Model], str]
    # The list's visually hidden caption, its columns (COLUMN_HEADINGS) and what
    # each row counts: (annotation, relation).
    caption: str
    columns: tuple[str, ...]
    counts: tuple[tuple[str, str], ...]
    # The kind's own rows a request is shown with, besides its order's.
    related: tuple[str, ...]
    # Why someone without the kind's view permission may not see its pages.
    forbidden: str
    # What one request's page loads besides its lines.
    page_prefetch: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return capfirst(self.workflow.model._meta.verbose_name_plural)

    @property
    def headed_columns(self) -> list[tuple[str, str]]:
        return [(column, COLUMN_HEADINGS[column]) for column in self.columns]

    @property
    def facts_template(self) -> str:
        return f"dashboard/_{self.workflow.kind}_facts.html"

    @property
    def url_names(self) -> dict[str, str]:
        """The names of the list's address, a request's and its actions'."""
        return {page: f"dashboard:{self.name}-{page}" for page in ("list", "detail", "act")}


AFTER_SALES_PAGES = RequestPages(
    workflow=AFTER_SALES,
    path="after-sales/",
    name="after-sales",
    item_title=lambda item: f"{item.get_kind_display()} #{item.pk}",
    caption=_("After-sales requests, oldest first"),
    columns=("request", "kind", "status", "order", "customer", "storefront", "opened", "items"),
    counts=(("line_count", "lines"), ("photo_count", "photos")),
    related=("opened_by", "replacement_order"),
    forbidden=_("After-sales requests are for customer care and managers."),
    page_prefetch=("photos", "refund_proposals"),
)

SUPPLIER_REQUEST_PAGES = RequestPages(
    workflow=SUPPLIER_REQUESTS,
    path="supplier-requests/",
    name="supplier-request",
    item_title=lambda item: gettext("Supplier request #%(number)s") % {"number": item.pk},
    caption=_("Supplier requests, oldest first"),
    columns=(
        "request",
        "supplier",
        "status",
        "delivery",
        "order",
        "storefront",
        "requested",
        "lines",
    ),
    counts=(("line_count", "lines"),),
    related=("supplier", "created_by"),
    forbidden=_("Supplier requests are for the warehouse and managers."),
)
