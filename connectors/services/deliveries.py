"""Applying a stored platform delivery to our orders, and staff dealing with what failed.

INTERFACE (the dashboard and the admin call only these; reads in `connectors.selectors`):

- `delivery_apply(delivery_id)` -> PlatformDelivery | None: what the
  `connectors.delivery_apply` task runs; applies a delivery still "received"
  (a delivery already applied by a concurrent run is left as it is).
- `delivery_reapply(delivery, *, actor)` -> PlatformDelivery: the same apply
  again, whatever its outcome was (after a fix: the storefront's currency
  corrected, the order released from hold...). A person needs
  `connectors.reapply_platformdelivery`.
- `delivery_resolve(delivery, *, actor)` -> PlatformDelivery: staff dealt with
  it (clears `needs_attention`, records who and when); same permission.

What applying does (DESIGN.md "Orders from the shops' own platforms"): the
body is read by its platform's reader (`connectors.shopify`,
`connectors.woocommerce`) into a PlatformOrder, then, through the order services
only, as the system (actor None):
- no order with that `external_id` yet: `order_create`, then the payment
  follows the platform (a refund or void the platform already made). An order
  the platform had already cancelled before we heard of it is not created
  (ignored, said in `error`): creating it would send the customer a
  confirmation and a cancellation for an order they know is cancelled.
- an order exists: the differences become one `order_edit` (line quantities by
  sku, new lines, shipping, discounts, tax, address, customer name and phone),
  then the payment transitions (authorize, capture, refund of what the platform
  refunded since, void); a cancellation (Shopify `orders/cancelled` or
  `cancelled_at`, WooCommerce `order.deleted` or status cancelled/trash) runs
  `cancel` instead, whose own rules refund or void the payment.
- nothing differs, the order is already cancelled, or the platform's change is
  older (`updated_at`) than one already applied for that order: ignored.

Outcomes: `applied`; `ignored` (why in `error`); `refused` when our order can
no longer take the change (packed, shipped: the service's refusal in `error`);
`failed` when the body cannot become an order (the reader's refusal, another
currency, totals that do not add up) or something unexpected broke (logged).
Refused and failed deliveries need staff (`needs_attention`). Each apply is one
transaction on the locked delivery: a refusal or failure rolls back everything
the apply wrote, and only the outcome is written.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.locking import order_lock
from orders.models import Order, OrderStatus, PaymentStatus
from orders.services import order_create, order_edit, order_total_compute, order_transition
from orders.services.edits import CONTACT_EDITABLE
from shared.actors import Actor, permission_require
from shared.errors import OrderConflict, OrderError

from .. import shopify, woocommerce
from ..models import DeliveryOutcome, Platform, PlatformDelivery
from ..platform_orders import PlatformOrder, PlatformPayloadError

logger = logging.getLogger(__name__)

REAPPLY_PERMISSION = "connectors.reapply_platformdelivery"

# Each platform's reader of an order body, and of a deleted order's id (WooCommerce).
READERS: dict[str, Callable[..., PlatformOrder]] = {
    Platform.SHOPIFY: shopify.order_read,
    Platform.WOOCOMMERCE: woocommerce.order_read,
}
DELETED_ID_READERS: dict[str, Callable[[dict[str, Any]], str]] = {
    Platform.WOOCOMMERCE: woocommerce.deleted_order_id,
}
# Topics that say the order is cancelled whatever the body says.
CANCEL_TOPICS = frozenset({"orders/cancelled"})
DELETE_TOPICS = frozenset({"order.deleted"})
ORDER_TOPICS = frozenset(
    {"orders/create", "orders/updated", "orders/cancelled", "order.created", "order.updated"}
)
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "province", "postal_code", "country", "phone")
_SETTLED = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class ApplyResult:
    outcome: str
    message: str = ""
    order_id: int | None = None


class _Failed(Exception):
    """The delivery cannot become an order: failed, not refused."""


# -- the staff's services ---------------------------------------------------------------------


def delivery_reapply(delivery: PlatformDelivery, *, actor: Actor) -> PlatformDelivery:
    """Apply `delivery` again, whatever its outcome was; return it as it is now."""
    permission_require(actor, REAPPLY_PERMISSION, "apply platform deliveries again")
    applied = _apply_locked(delivery.pk, again=True)
    if applied is None:
        raise OrderConflict("This delivery no longer exists.")
    return applied


def delivery_resolve(delivery: PlatformDelivery, *, actor: Actor) -> PlatformDelivery:
    """Mark `delivery` dealt with: it leaves the list of deliveries needing attention."""
    permission_require(actor, REAPPLY_PERMISSION, "deal with platform deliveries")
    who = actor if actor is not None and actor.is_authenticated else None
    now = timezone.now()
    PlatformDelivery.objects.filter(pk=delivery.pk).update(
        needs_attention=False, resolved_at=now, resolved_by=who
    )
    delivery.needs_attention, delivery.resolved_at, delivery.resolved_by = False, now, who
    return delivery


# -- applying ---------------------------------------------------------------------------------


def delivery_apply(delivery_id: int) -> PlatformDelivery | None:
    """Apply a stored delivery that is still waiting (the task's work)."""
    return _apply_locked(delivery_id, again=False)


def deliveries_waiting_ids(*, older_than_seconds: float, limit: int = 200) -> list[int]:
    """Deliveries stored but still not applied after a while: their task was lost."""
    since = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        PlatformDelivery.objects.filter(outcome=DeliveryOutcome.RECEIVED, received_at__lt=since)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def _apply_locked(delivery_id: int, *, again: bool) -> PlatformDelivery | None:
    with transaction.atomic():
        delivery = (
            PlatformDelivery.objects.select_for_update(of=("self",))
            .select_related("connection__storefront")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.outcome != DeliveryOutcome.RECEIVED and not again:
            return delivery  # a concurrent run (the sweeper's, a retry) applied it
        try:
            with transaction.atomic():  # all of the apply, or none of it
                result = _apply(delivery)
        except (PlatformPayloadError, _Failed) as error:
            result = ApplyResult(DeliveryOutcome.FAILED, str(error))
        except OrderError as error:
            result = ApplyResult(DeliveryOutcome.REFUSED, _order_error_text(error))
        except Exception as error:  # never lost: kept on the delivery for staff, and logged
            logger.exception("platform delivery %s could not be applied", delivery.pk)
            result = ApplyResult(DeliveryOutcome.FAILED, f"{type(error).__name__}: {error}")
        _outcome_record(delivery, result)
    return delivery


def _order_error_text(error: OrderError) -> str:
    """The service's refusal, with the details it names that the message does not say."""
    parts = []
    for name, value in error.details.items():
        text = " ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        if text and text not in error.message:
            parts.append(f"{name}: {text}")
    return f"{error.message} ({'; '.join(parts)})" if parts else error.message


def _outcome_record(delivery: PlatformDelivery, result: ApplyResult) -> None:
    delivery.outcome = result.outcome
    delivery.error = result.message
    delivery.attempts += 1
    delivery.applied_at = timezone.now()
    delivery.needs_attention = result.outcome in (DeliveryOutcome.REFUSED, DeliveryOutcome.FAILED)
    if result.order_id is not None:
        delivery.order_id = result.order_id
    delivery.save(
        update_fields=[
            "outcome",
            "error",
            "attempts",
            "applied_at",
            "needs_attention",
            "order",
            "platform_order_id",
            "platform_updated_at",
        ]
    )


def _payload(delivery: PlatformDelivery) -> dict[str, Any]:
    try:
        payload = json.loads(delivery.raw_body)
    except ValueError as error:
        raise _Failed(f"The body is not JSON: {error}") from None
    if not isinstance(payload, dict):
        raise _Failed("The body is not a JSON object.")
    return payload


def _apply(delivery: PlatformDelivery) -> ApplyResult:
    storefront = delivery.connection.storefront
    topic = delivery.topic
    if topic not in ORDER_TOPICS | DELETE_TOPICS:
        return ApplyResult(DeliveryOutcome.IGNORED, f"Topic '{topic}' is not applied to orders.")
    payload = _payload(delivery)
    platform = Platform(delivery.platform)
    if topic in DELETE_TOPICS:
        platform_order_id = _reader(DELETED_ID_READERS, platform)(payload)
        delivery.platform_order_id = platform_order_id[:100]
        order = _order_locked(storefront, platform_order_id)
        if order is None:
            return ApplyResult(
                DeliveryOutcome.IGNORED, f"No order has external id {platform_order_id}."
            )
        reference = order.platform_reference or platform_order_id
        return _cancel(order, reason=f"Deleted on {platform.label} ({_hash(reference)})")

    platform_order = _reader(READERS, platform)(payload, currency=storefront.currency)
    if topic in CANCEL_TOPICS and not platform_order.cancelled:
        platform_order = replace(platform_order, cancelled=True)
    delivery.platform_order_id = platform_order.platform_order_id[:100]
    delivery.platform_updated_at = platform_order.updated_at
    _totals_check(platform_order, storefront.currency)

    order = _order_locked(storefront, platform_order.platform_order_id)
    newer = _newer_applied(delivery, platform_order)
    if newer is not None:
        return _older_result(newer, order)
    if order is None:
        # An order the platform cancelled before we heard of it (Shopify's own test
        # notification is one) is still created, then cancelled: staff and the
        # platform's order list agree, and a later update finds it.
        order, created = _create(delivery, platform_order, platform)
        if not created:
            # Another delivery of this order created it meanwhile; it may be the later one.
            newer = _newer_applied(delivery, platform_order)
            if newer is not None:
                return _older_result(newer, order)
        if created:
            done = _payment_follow(order.pk, platform_order)
            text = f"Created order {order.number}."
            if done:
                text += f" Payment: {'; '.join(done)}."
            if platform_order.cancelled:
                order.refresh_from_db()
                text += " " + _update(order, platform_order, platform).message
            return ApplyResult(DeliveryOutcome.APPLIED, text, order_id=order.pk)
    return _update(order, platform_order, platform)


def _older_result(newer: PlatformDelivery, order: Order | None) -> ApplyResult:
    return ApplyResult(
        DeliveryOutcome.IGNORED,
        f"Older than what was applied: delivery {newer.delivery_id} changed on "
        f"{newer.platform_updated_at.isoformat()}.",
        order_id=order.pk if order is not None else None,
    )


def _reader(readers: dict[str, Callable], platform: Platform) -> Callable:
    reader = readers.get(platform)
    if reader is None:
        raise _Failed(f"No reader for {platform.label} bodies yet: apply it again later.")
    return reader


def _hash(reference: str) -> str:
    return reference if reference.startswith("#") else f"#{reference}"


def _totals_check(platform_order: PlatformOrder, currency: str) -> None:
    """The platform's order in our currency and adding up to its own total, or failed."""
    if platform_order.currency.upper() != currency.upper():
        raise _Failed(
            f"The order is in {platform_order.currency}; this storefront sells in {currency}. "
            "Correct the storefront's currency (or connect the right storefront), then apply again."
        )
    subtotal = sum(
        (Decimal(line["unit_price"]) * int(line["quantity"]) for line in platform_order.lines),
        Decimal("0.00"),
    )
    ours = order_total_compute(
        subtotal=subtotal,
        shipping_price=platform_order.shipping_price,
        discount_total=platform_order.discount_total,
        tax_total=platform_order.tax_total,
        taxes_included=platform_order.taxes_included,
    )
    if ours != platform_order.total:
        raise _Failed(
            f"The order's parts add up to {ours}, not to the platform's total "
            f"{platform_order.total}: not applied."
        )


def _order_locked(storefront, platform_order_id: str) -> Order | None:
    """The storefront's order with this external id, locked: deliveries of one order queue here."""
    order_pk = (
        Order.objects.filter(storefront=storefront, external_id=platform_order_id)
        .values_list("pk", flat=True)
        .first()
    )
    return None if order_pk is None else order_lock(order_pk)


def _newer_applied(
    delivery: PlatformDelivery, platform_order: PlatformOrder
) -> PlatformDelivery | None:
    """A delivery of the same platform order, already applied, that the platform made later."""
    if platform_order.updated_at is None:
        return None
    return (
        PlatformDelivery.objects.filter(
            connection_id=delivery.connection_id,
            platform_order_id=platform_order.platform_order_id[:100],
            outcome__in=[DeliveryOutcome.APPLIED, DeliveryOutcome.IGNORED],
            platform_updated_at__gt=platform_order.updated_at,
        )
        .exclude(pk=delivery.pk)
        .order_by("-platform_updated_at")
        .first()
    )


def _create(
    delivery: PlatformDelivery, platform_order: PlatformOrder, platform: Platform
) -> tuple[Order, bool]:
    """Create the order; one created meanwhile by another delivery is returned (not created)."""
    storefront = delivery.connection.storefront
    note = f"Received from {platform.label} ({_hash(platform_order.platform_reference)})."
    if platform_order.notes:
        note += " Not mapped: " + " ".join(platform_order.notes)
    try:
        order = order_create(
            storefront=storefront, actor=None, note=note, **platform_order.create_fields()
        )
    except OrderConflict:
        existing = _order_locked(storefront, platform_order.platform_order_id)
        if existing is None:
            raise
        return existing, False  # a concurrent delivery created it: this one is an update
    except OrderError as error:
        raise _Failed(_order_error_text(error)) from None
    return order, True


def _update(order: Order, platform_order: PlatformOrder, platform: Platform) -> ApplyResult:
    reference = _hash(platform_order.platform_reference or platform_order.platform_order_id)
    if platform_order.cancelled:
        if order.status == OrderStatus.CANCELLED:
            return ApplyResult(
                DeliveryOutcome.IGNORED,
                f"Order {order.number} is already cancelled.",
                order_id=order.pk,
            )
        # The reader's reason already says where ("Cancelled on Shopify: the customer ...").
        reason = platform_order.cancel_reason or f"Cancelled on {platform.label}."
        return _cancel(order, reason=f"{reason.rstrip('.')} ({reference}).")

    done: list[str] = []
    changes = edit_arguments(order, platform_order)
    if changes:
        note = " ".join(platform_order.notes)
        result = order_edit(
            order=order.pk,
            actor=None,
            reason=f"Changed on {platform.label} ({reference})",
            note=note,
            **changes,
        )
        done.append("edited (" + ", ".join(change["field"] for change in result.changes) + ")")
    done += _payment_follow(order.pk, platform_order)
    if not done:
        return ApplyResult(
            DeliveryOutcome.IGNORED, f"Order {order.number} already says this.", order_id=order.pk
        )
    return ApplyResult(
        DeliveryOutcome.APPLIED, f"Order {order.number}: {'; '.join(done)}.", order_id=order.pk
    )


def _cancel(order: Order, *, reason: str) -> ApplyResult:
    if order.status == OrderStatus.CANCELLED:
        return ApplyResult(
            DeliveryOutcome.IGNORED,
            f"Order {order.number} is already cancelled.",
            order_id=order.pk,
        )
    order_transition(order=order.pk, transition="cancel", actor=None, reason=reason[:500])
    return ApplyResult(
        DeliveryOutcome.APPLIED, f"Cancelled order {order.number}.", order_id=order.pk
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def edit_arguments(order: Order, platform_order: PlatformOrder) -> dict[str, Any]:
    """What differs between our order and the platform's, as `order_edit`'s keyword arguments."""
    changes: dict[str, Any] = {}
    ours = {}
    for line in order.lines.all():
        ours.setdefault(line.sku, line)
    theirs: dict[str, dict[str, Any]] = {}
    for line in platform_order.lines:
        sku = _text(line["sku"])
        if sku in theirs:  # the same sku twice (e.g. two engravings): one quantity here
            theirs[sku]["quantity"] += int(line["quantity"])
        else:
            theirs[sku] = {**line, "sku": sku, "quantity": int(line["quantity"])}
    lines = []
    for sku, line in theirs.items():
        mine = ours.get(sku)
        price = Decimal(line["unit_price"])
        if mine is None:
            if line["quantity"] > 0:
                lines.append(
                    {
                        "sku": sku,
                        "quantity": line["quantity"],
                        "name": _text(line.get("name")) or sku,
                        "unit_price": price,
                        "category": _text(line.get("category")),
                    }
                )
            continue
        wanted: dict[str, Any] = {}
        if mine.quantity != line["quantity"]:
            wanted["quantity"] = line["quantity"]
        if mine.unit_price != price:  # refused by the edit, visibly, rather than left unsaid
            wanted["unit_price"] = price
        if wanted:
            lines.append({"sku": sku, "quantity": line["quantity"], **wanted})
    lines += [
        {"sku": sku, "quantity": 0}
        for sku, mine in ours.items()
        if sku not in theirs and mine.quantity > 0
    ]
    if lines:
        changes["lines"] = lines
    for name in ("shipping_price", "discount_total", "tax_total"):
        if getattr(order, name) != getattr(platform_order, name):
            changes[name] = getattr(platform_order, name)

    address = {name: _text(platform_order.shipping_address.get(name)) for name in ADDRESS_FIELDS}
    address["country"] = address["country"].upper()
    current = order.shipping_address
    if any(_text(getattr(current, name, "")) != value for name, value in address.items()):
        changes["shipping_address"] = address
    if _contact_editable(order):
        # The customer record is shared by the customer's orders (another one may have
        # changed it): once this order is past contact edits, a difference there is not
        # this order's change, and must not refuse the rest of the delivery (a payment).
        person = order.customer
        customer = {
            name: _text(platform_order.customer.get(name))
            for name in ("name", "phone")
            if _text(platform_order.customer.get(name))
            and _text(platform_order.customer.get(name)) != _text(getattr(person, name, ""))
        }
        if customer:
            changes["customer"] = customer
    return changes


def _contact_editable(order: Order) -> bool:
    """Whether the edit service still takes contact changes (a held order: where it was)."""
    status = order.held_from_status if order.status == OrderStatus.ON_HOLD else order.status
    return status in CONTACT_EDITABLE


def _payment_follow(order_pk: int, platform_order: PlatformOrder) -> list[str]:
    """Run the payment transitions that bring our order to the platform's payment state."""
    done: list[str] = []
    order = Order.objects.get(pk=order_pk)
    wanted = platform_order.payment_status
    if wanted == PaymentStatus.AUTHORIZED and order.payment_status == PaymentStatus.UNPAID:
        order = order_transition(order=order_pk, transition="authorize_payment", actor=None)
        done.append("authorized")
    if wanted in ("paid", "partially_refunded", "refunded"):
        if order.payment_status in (PaymentStatus.UNPAID, PaymentStatus.AUTHORIZED) or (
            order.payment_status in _SETTLED and order.amount_due > 0
        ):
            order = order_transition(order=order_pk, transition="capture_payment", actor=None)
            done.append("captured")
        refund = min(
            platform_order.amount_refunded - order.amount_refunded, order.amount_refundable
        )
        if refund > 0 and order.payment_status in _SETTLED:
            order = order_transition(
                order=order_pk, transition="refund_payment", actor=None, amount=refund
            )
            done.append(f"refunded {refund}")
    if wanted == "voided" and order.payment_status in (
        PaymentStatus.UNPAID,
        PaymentStatus.AUTHORIZED,
    ):
        order_transition(order=order_pk, transition="void_payment", actor=None)
        done.append("voided")
    return done
