"""What fulfillment does when an edit lowers an order's lines (orders.edit_rules).

Registered from `FulfillmentConfig.ready()`. Units picked for a line an edit
lowers go back on the shelf (`InventoryItem.quantity_on_hand`), and its pick
records are lowered to the new quantity (removed with the line), so the
picking guard and the pick lists count what is still needed; a history row
says what went back. A line goods were requested for from a supplier stays
(lowered, yes; removed, no: the request names it). What is packed holds a
line up through `orders.line_minimums` (fulfillment.line_minimums).
"""

from django.utils.translation import gettext as _

from orders.edit_rules import LineLowered, line_release_register
from orders.models import Order, OrderEvent, OrderEventType
from shared.actors import Actor, actor_or_none
from shared.errors import OrderConflict

from .models import InventoryItem, PickRecord, SupplierRequestLine


def picks_release(order: Order, lowered: list[LineLowered], actor: Actor) -> None:
    """Put back on the shelf what was picked beyond each lowered line's new quantity."""
    _supplier_lines_kept(lowered)
    line_ids = [change.line.pk for change in lowered]
    records: dict[int, list[PickRecord]] = {}
    # Newest first: the last units picked are the first put back.
    for record in (
        PickRecord.objects.filter(order_line_id__in=line_ids)
        .select_for_update()
        .order_by("-picked_at", "-id")
    ):
        records.setdefault(record.order_line_id, []).append(record)
    returned: dict[str, int] = {}
    changed: list[PickRecord] = []
    deleted: list[int] = []
    for change in lowered:
        rows = records.get(change.line.pk, [])
        picked = sum(row.quantity_picked for row in rows)
        short = sum(row.quantity_short for row in rows)
        back = max(0, picked - change.quantity_after)
        no_longer_short = max(0, picked - back + short - change.quantity_after)
        if back:
            returned[change.line.sku] = returned.get(change.line.sku, 0) + back
        for row in rows:
            take = min(back, row.quantity_picked)
            row.quantity_picked -= take
            back -= take
            forget = min(no_longer_short, row.quantity_short)
            row.quantity_short -= forget
            no_longer_short -= forget
            if change.quantity_after == 0 or row.quantity_picked + row.quantity_short == 0:
                deleted.append(row.pk)
            elif take or forget:
                changed.append(row)
    if deleted:
        PickRecord.objects.filter(pk__in=deleted).delete()
    if changed:
        PickRecord.objects.bulk_update(changed, ["quantity_picked", "quantity_short"])
    if not returned:
        return
    # Stock rows in SKU order, after the order's lock, as picking takes them.
    items = {
        item.sku: item
        for item in InventoryItem.objects.select_for_update()
        .filter(sku__in=returned)
        .order_by("sku")
    }
    for sku in sorted(returned):
        item = items.get(sku)
        if item is None:  # the stock record went away since the pick: start it again
            InventoryItem.objects.create(sku=sku, location="", quantity_on_hand=returned[sku])
            continue
        item.quantity_on_hand += returned[sku]
        item.save(update_fields=["quantity_on_hand", "updated_at"])
    text = ", ".join(f"{quantity} x {sku}" for sku, quantity in sorted(returned.items()))
    OrderEvent.objects.create(
        order=order,
        event_type=OrderEventType.NOTE,
        actor=actor_or_none(actor),
        note=f"Back on the shelf after the order was changed: {text}.",
        customer_visible=False,
        data={"returned_to_stock": returned},
    )


def _supplier_lines_kept(lowered: list[LineLowered]) -> None:
    """Refuse (409) removing a line that a supplier request names."""
    removed = {change.line.pk: change.line.sku for change in lowered if not change.quantity_after}
    requested = set(
        SupplierRequestLine.objects.filter(order_line_id__in=removed).values_list(
            "order_line_id", flat=True
        )
    )
    if requested:
        refusals = [
            _("%(sku)s: goods were requested from a supplier for it; it cannot be removed.")
            % {"sku": removed[line_id]}
            for line_id in sorted(requested)
        ]
        raise OrderConflict(" ".join(refusals), details={"lines": refusals})


def edit_rules_register() -> None:
    """Register fulfillment's release hook for order edits."""
    line_release_register("fulfillment", picks_release)
