"""Staff-only pages: printable pick lists and packing slips, PDF labels and slips,
customers' after-sales photos."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fulfillment.labels import Paper, papers_pdf
from fulfillment.models import AfterSalesPhoto, Package, PickList
from fulfillment.paper_selectors import (
    order_papers,
    package_slip_paper,
    pick_list_papers,
    shipment_labels,
)
from fulfillment.selectors import order_pick_list_rows, package_slip, pick_list_rows
from orders.models import Order


def _staff_with_permission(permission: str):
    """Send anonymous users to log in; refuse (403) staff without `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return staff_member_required(require_GET(wrapped))

    return decorator


@_staff_with_permission("fulfillment.view_picklist")
def pick_list_print(request, pk: int):
    pick_list = get_object_or_404(PickList, pk=pk)
    return render(
        request,
        "fulfillment/pick_list.html",
        {
            "title": f"Pick list #{pick_list.pk}",
            "created_at": pick_list.created_at,
            "order_numbers": list(
                pick_list.orders.order_by("number").values_list("number", flat=True)
            ),
            "rows": pick_list_rows(pick_list),
            "papers_url": reverse("fulfillment:pick-list-papers", args=[pick_list.pk]),
        },
    )


@_staff_with_permission("fulfillment.view_picklist")
def order_pick_list_print(request, number: str):
    order = get_object_or_404(Order, number=number)
    return render(
        request,
        "fulfillment/pick_list.html",
        {
            "title": f"Pick list for order {order.number}",
            "created_at": None,
            "order_numbers": [order.number],
            "rows": order_pick_list_rows(order),
            "papers_url": reverse("fulfillment:order-papers", args=[order.number]),
        },
    )


@_staff_with_permission("fulfillment.view_package")
def packing_slip_print(request, pk: int):
    package = get_object_or_404(
        Package.objects.select_related("order__storefront", "order__shipping_address"), pk=pk
    )
    return render(request, "fulfillment/packing_slip.html", package_slip(package))


@_staff_with_permission("fulfillment.view_aftersalesrequest")
def after_sales_photo(request, pk: int):
    """A customer's photo: never under a public URL, only to staff who may see requests."""
    photo = get_object_or_404(AfterSalesPhoto, pk=pk)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# -- PDF labels and slips (fulfillment.labels): for whoever books shipments ---------------

SHIPPING_PERMISSION = "fulfillment.add_shipment"


@_staff_with_permission(SHIPPING_PERMISSION)
def shipment_label_pdf(request, pk: int):
    """A shipment's 4x6 label: one page per package it carries."""
    labels = shipment_labels(pk)
    if labels is None:
        raise Http404("No such shipment.")
    return _pdf_response(labels, filename=f"label-{labels[0].tracking_number}.pdf")


@_staff_with_permission(SHIPPING_PERMISSION)
def package_slip_pdf(request, pk: int):
    slip = package_slip_paper(pk)
    if slip is None:
        raise Http404("No such package.")
    return _pdf_response([slip], filename=f"slip-{slip.order_number}-{slip.package_position}.pdf")


@_staff_with_permission(SHIPPING_PERMISSION)
def order_papers_pdf(request, number: str):
    """An order's labels, then its packages' slips."""
    papers = order_papers(number)
    if papers is None:
        raise Http404("No such order.")
    if not papers:
        return _nothing_to_print(
            request, _("Nothing of order %(number)s is packed yet.") % {"number": number}
        )
    return _pdf_response(papers, filename=f"papers-{number}.pdf")


@_staff_with_permission(SHIPPING_PERMISSION)
def pick_list_papers_pdf(request, pk: int):
    """A wave's labels and slips in one PDF, grouped per order; unpacked orders left out."""
    papers = pick_list_papers(pk)
    if papers is None:
        raise Http404("No such pick list.")
    if not papers:
        return _nothing_to_print(
            request,
            _("No order of pick list #%(id)s is packed yet: there are no labels or slips.")
            % {"id": pk},
        )
    return _pdf_response(papers, filename=f"pick-list-{pk}-papers.pdf")


def _pdf_response(papers: list[Paper], *, filename: str) -> HttpResponse:
    response = HttpResponse(papers_pdf(papers, title=filename), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_safe_filename(filename)}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _safe_filename(filename: str) -> str:
    """Keep a header-safe file name: tracking and order numbers come from outside."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename)


def _nothing_to_print(request, message: str):
    """A plain 404 page that says why there is no PDF (rather than a blank label)."""
    response = render(
        request,
        "fulfillment/nothing_to_print.html",
        {"title": _("Nothing to print"), "message": message},
        status=404,
    )
    response["Cache-Control"] = "private, no-store"
    return response
