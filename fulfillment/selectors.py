"""Reads of fulfillment state, and which request actions a user may take now."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min, Sum
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed

from orders.models import Order, OrderLine
from orders.services import user_may_work_order

from .models import (
    AfterSalesRequest,
    AfterSalesResolution,
    InventoryItem,
    Package,
    PackageLine,
    PickList,
    PickRecord,
    SupplierDelivery,
    SupplierRequest,
    SupplierRequestLine,
    SupplierRequestStatus,
)


def order_unpacked_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity still to pack} for `order`, leaving out what is fully packed."""
    packed = dict(
        PackageLine.objects.filter(package__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    # Goods a supplier delivered straight to the customer are never packed by us.
    drop_shipped = dict(
        SupplierRequestLine.objects.filter(
            request__order=order,
            request__delivery=SupplierDelivery.DROP_SHIP,
            request__status=SupplierRequestStatus.RECEIVED,
        )
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    missing: dict[str, int] = {}
    for line in order.lines.all():
        remaining = line.quantity - packed.get(line.pk, 0) - drop_shipped.get(line.pk, 0)
        if remaining > 0:
            missing[line.sku] = missing.get(line.sku, 0) + remaining
    return missing


def order_unpicked_quantities(order: Order) -> dict[str, int]:
    """Return {sku: quantity not yet taken off the shelf} for `order` (shorts stay to pick)."""
    picked = dict(
        PickRecord.objects.filter(order_line__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity_picked"))
        .values_list("order_line_id", "total")
    )
    missing: dict[str, int] = {}
    for line in order.lines.all():
        remaining = line.quantity - picked.get(line.pk, 0)
        if remaining > 0:
            missing[line.sku] = missing.get(line.sku, 0) + remaining
    return missing


def order_packages_without_shipment(order: Order) -> list[Package]:
    """Return `order`'s packages that no shipment (carrier and tracking number) carries yet."""
    return list(order.packages.filter(shipment__isnull=True).order_by("id"))


# Where a SKU with no inventory record is to be found; sorts after every real location.
NO_LOCATION = "—"


def pick_list_rows(pick_list: PickList) -> list[dict]:
    """Return `pick_list`'s lines summed per SKU and location, in walking order."""
    return _pick_rows(OrderLine.objects.filter(order__pick_lists=pick_list))


def order_pick_list_rows(order: Order) -> list[dict]:
    """Return `order`'s lines as pick-list rows, without saving a pick list."""
    return _pick_rows(OrderLine.objects.filter(order=order))


def _pick_rows(lines) -> list[dict]:
    """Sum `lines` per SKU in the database; three queries however many orders there are."""
    totals = list(
        lines.order_by()
        .values("sku")
        .annotate(quantity=Sum("quantity"), line_name=Min("name"))
        .values_list("sku", "quantity", "line_name")
    )
    numbers: dict[str, list[str]] = {}
    for sku, number in (
        lines.order_by("order__number").values_list("sku", "order__number").distinct()
    ):
        numbers.setdefault(sku, []).append(number)
    items = {
        item.sku: item for item in InventoryItem.objects.filter(sku__in=[row[0] for row in totals])
    }
    rows = []
    for sku, quantity, line_name in totals:
        item = items.get(sku)
        rows.append(
            {
                "sku": sku,
                "name": (item.name if item is not None else "") or line_name,
                "location": item.location if item is not None else NO_LOCATION,
                "quantity": quantity,
                "order_numbers": numbers.get(sku, []),
            }
        )
    rows.sort(key=lambda row: (row["location"], row["sku"]))
    return rows


def package_slip(package: Package) -> dict:
    """Return what a packing slip shows: `package`'s lines, its order and "i of n"."""
    order = package.order
    package_ids = list(order.packages.order_by("created_at", "id").values_list("pk", flat=True))
    return {
        "package": package,
        "order": order,
        "storefront": order.storefront,
        "address": order.shipping_address,
        "lines": list(package.lines.select_related("order_line").order_by("order_line__id", "id")),
        "position": package_ids.index(package.pk) + 1,
        "count": len(package_ids),
    }


# -- the buttons on an after-sales or supplier request --------------------------------
#
# The admin's request panels and the staff dashboard both show exactly these
# actions and build their forms from these fields; the services still check
# everything again under the row lock.


@dataclass(frozen=True)
class RequestActionField:
    """One input of a request action's form."""

    name: str
    label: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    # "text" (max_length characters), "choice" (one of `choices`) or "amount" (a decimal).
    kind: str = "text"
    max_length: int = 500


@dataclass(frozen=True)
class RequestAction:
    """A button on a request: the FSM method it runs and the permission it needs."""

    name: str
    label: str
    permission: str
    fields: tuple[RequestActionField, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]


AFTER_SALES_HANDLE_PERMISSION = "fulfillment.handle_aftersalesrequest"
_NOTE = RequestActionField(name="note", label=_("Note"), max_length=1000)

AFTER_SALES_ACTIONS: tuple[RequestAction, ...] = (
    RequestAction("approve", _("Approve"), AFTER_SALES_HANDLE_PERMISSION, (_NOTE,)),
    RequestAction("reject", _("Reject"), AFTER_SALES_HANDLE_PERMISSION, (_NOTE,)),
    RequestAction(
        "receive_item", _("Goods received (or checked)"), AFTER_SALES_HANDLE_PERMISSION, (_NOTE,)
    ),
    RequestAction(
        "resolve",
        _("Resolve"),
        AFTER_SALES_HANDLE_PERMISSION,
        (
            RequestActionField(
                name="resolution",
                label=_("Resolution"),
                required=True,
                choices=tuple(AfterSalesResolution.choices),
                kind="choice",
            ),
            RequestActionField(name="amount", label=_("Amount (refund or credit)"), kind="amount"),
        ),
    ),
)

SUPPLIER_REQUEST_CHANGE_PERMISSION = "fulfillment.change_supplierrequest"

SUPPLIER_REQUEST_ACTIONS: tuple[RequestAction, ...] = (
    RequestAction("confirm", _("Supplier confirmed"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
    RequestAction("ship", _("Supplier shipped"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
    RequestAction("receive", _("Goods received"), SUPPLIER_REQUEST_CHANGE_PERMISSION),
    RequestAction(
        "fail",
        _("Supplier cannot deliver"),
        SUPPLIER_REQUEST_CHANGE_PERMISSION,
        (RequestActionField(name="reason", label=_("Reason"), required=True),),
    ),
)


def request_action_find(actions: tuple[RequestAction, ...], name: str) -> RequestAction | None:
    """Return the action called `name` from `actions`, or None."""
    return next((action for action in actions if action.name == name), None)


def after_sales_actions_available(request: AfterSalesRequest, user) -> list[RequestAction]:
    """Return the actions `user` may take on `request` in its current status.

    The permission, the request's FSM and the team rule (staff in teams work
    their teams' orders only, as `after_sales_request_advance` enforces).
    """
    if not user_may_work_order(request.order, user):
        return []
    return [
        action
        for action in AFTER_SALES_ACTIONS
        if user.has_perm(action.permission) and can_proceed(getattr(request, action.name))
    ]


def supplier_request_actions_available(request: SupplierRequest, user) -> list[RequestAction]:
    """Return the actions `user` may take on `request` in its current status.

    No team rule: goods from a supplier are recorded by whoever is at the
    warehouse door, as `supplier_request_advance` allows.
    """
    return [
        action
        for action in SUPPLIER_REQUEST_ACTIONS
        if user.has_perm(action.permission) and can_proceed(getattr(request, action.name))
    ]
