"""Staff-only pages: printable pick lists and packing slips, customers' after-sales photos."""

from functools import wraps

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from fulfillment.models import AfterSalesPhoto, Package, PickList
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
