"""Writing the ledger, in the transaction of the order change that moves money.

reports.subscribers calls these from the order event seam (orders.events):

- revenue (with its shipping part) when card or invoice money is captured, or
  when a cash-on-delivery order is delivered; the cash collected later is a
  `cod_collected` entry, not revenue again;
- refunds as they are issued;
- a split (orders.services.backorders): the captured money that moved with the
  goods leaves the original's revenue (a correcting entry) and becomes the
  back-order's, so each order's revenue stays what it was paid;
- the carrier's price for each shipment (its base price plus a price per kg
  of the packages it carries), packaging per package and handling per shipped
  order, from the storefront's rates.

Entries are never changed; `ledger_entry_correct` adds a correcting entry.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from orders.models import Order, PaymentMethod, PaymentStatus
from orders.planning import region_for_address
from shared.errors import OrderValidationError, TransitionPermissionDenied
from shared.money import MONEY_LIMIT, amount_in_minor_units, computed_amount_round

from .models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates

# Who may correct the ledger: the one place the dashboard and the service ask.
LEDGER_CORRECT_PERMISSION = "reports.add_ledgerentry"


def user_may_correct_ledger(user: Any) -> bool:
    """Return whether `user` may add correcting entries to the ledger."""
    return user.has_perm(LEDGER_CORRECT_PERMISSION)


def _entries(order: Order, items: list[tuple[str, Decimal, dict[str, Any]]]) -> list[LedgerEntry]:
    """Unsaved entries for `order`, skipping nothing-amounts (a rate of 0 costs nothing).

    The one place every entry's amount is rounded: costs are computed (a rate
    per kg times a weight) and may fall between two units of the currency, so
    they are rounded half-up to its minor unit here (whole dong for VND), never
    stored with cents the currency does not have. Revenue and refunds were
    checked to the unit when typed, so rounding leaves them as they are.
    """
    region = region_for_address(order.shipping_address)
    now = timezone.now()
    return [
        LedgerEntry(
            storefront_id=order.storefront_id,
            order=order,
            kind=kind,
            amount=computed_amount_round(amount, order.currency),
            currency=order.currency,
            payment_method=order.payment_method,
            region=region,
            occurred_at=now,
            **extra,
        )
        for kind, amount, extra in items
        if computed_amount_round(amount, order.currency)
    ]


def _revenue(order: Order) -> list[tuple[str, Decimal, dict[str, Any]]]:
    return [
        (LedgerKind.REVENUE, order.total, {}),
        (LedgerKind.SHIPPING_CHARGED, order.shipping_price, {}),
    ]


def ledger_record_order_created(order: Order) -> None:
    """An order that arrives already paid (card captured by the storefront) earns now.

    Cash on delivery that arrives paid (a file or a platform saying the cash is
    already in) is cash collected, as its capture would book: it earns at delivery,
    like every cash-on-delivery order, so its revenue is never booked twice.
    """
    if order.payment_status != PaymentStatus.PAID:
        return
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        items = [(LedgerKind.COD_COLLECTED, order.amount_paid, {})]
    else:
        items = _revenue(order)
    LedgerEntry.objects.bulk_create(_entries(order, items))


def ledger_record_transition(
    order: Order,
    *,
    transition: str,
    amount: Decimal | None = None,
    balance: bool = False,
) -> None:
    """Book what one transition moved (a cancellation's refund is a transition of its own).

    `amount` is the money a refund gave back, or a capture took. `balance`: the
    capture took the balance an edit left due on a paid order; it earns that
    amount, and its shipping part was booked when the edit changed the price.
    """
    cash_on_delivery = order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    items: list[tuple[str, Decimal, dict[str, Any]]] = []
    if transition == "capture_payment":
        captured = order.amount_paid if amount is None else amount
        if cash_on_delivery:
            items.append((LedgerKind.COD_COLLECTED, captured, {}))
        elif balance:
            items.append((LedgerKind.REVENUE, captured, {}))
        else:
            items += [
                (LedgerKind.REVENUE, captured, {}),
                (LedgerKind.SHIPPING_CHARGED, order.shipping_price, {}),
            ]
    elif transition == "deliver" and cash_on_delivery:
        items += _revenue(order)
    elif transition == "refund_payment":
        items.append((LedgerKind.REFUND, amount, {}))
    elif transition == "ship":
        rates = StorefrontCostRates.objects.filter(storefront_id=order.storefront_id).first()
        if rates is not None:
            items.append((LedgerKind.HANDLING_COST, rates.handling_per_order, {}))
    if items:
        LedgerEntry.objects.bulk_create(_entries(order, items))


def ledger_record_split(
    order: Order, *, backorder: Order, paid_moved: Decimal, reason: str = ""
) -> None:
    """Move `paid_moved` of `order`'s booked revenue to its new back-order.

    Only money already booked as revenue moves (a captured card or invoice;
    cash on delivery books at delivery, each order its own). The original's
    shipping part stays: the back-order ships free. The original's entry is
    corrected, never changed; nothing is counted twice across the two orders.
    """
    if paid_moved <= 0 or order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
        return
    booked = LedgerEntry.objects.filter(
        order=order, kind=LedgerKind.REVENUE, corrects__isnull=True
    ).order_by("-occurred_at", "-id")
    entry = booked.first()
    if entry is None or ledger_balance(order, LedgerKind.REVENUE) < paid_moved:
        return  # nothing (or not enough) was booked: what is booked later follows the totals
    note = f"Moved to back-order {backorder.number}" + (f": {reason}" if reason else "")
    LedgerEntry.objects.create(
        storefront_id=order.storefront_id,
        order=order,
        kind=LedgerKind.REVENUE,
        amount=-paid_moved,
        currency=order.currency,
        payment_method=order.payment_method,
        region_id=entry.region_id,
        corrects=entry,
        note=note[:500],
    )
    moved_in = _entries(backorder, [(LedgerKind.REVENUE, paid_moved, {})])
    for row in moved_in:
        row.note = f"Moved from order {order.number}"
    LedgerEntry.objects.bulk_create(moved_in)


# Payment states in which a card or invoice order's revenue is already booked.
_REVENUE_BOOKED = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


def ledger_record_edit(order: Order, *, shipping_price_before: Decimal) -> None:
    """An edit changed the shipping price of an order whose revenue is booked: book the difference.

    A card or invoice order earns when captured (with its shipping part); a
    cash-on-delivery order only when delivered, after which it no longer changes.
    The money itself follows as the edit's refund or a later capture of the balance.
    """
    difference = order.shipping_price - shipping_price_before
    if not (
        difference
        and order.payment_method != PaymentMethod.CASH_ON_DELIVERY
        and order.payment_status in _REVENUE_BOOKED
    ):
        return
    (entry,) = _entries(order, [(LedgerKind.SHIPPING_CHARGED, difference, {})])
    if difference < 0:
        # Only a correction may be negative: it corrects the shipping booked before.
        entry.corrects = (
            LedgerEntry.objects.filter(
                order=order, kind=LedgerKind.SHIPPING_CHARGED, corrects__isnull=True
            )
            .order_by("-occurred_at", "-id")
            .first()
        )
        entry.note = "Shipping price lowered by an edit of the order."
    entry.save()


def ledger_record_package(order: Order, *, package_id: int) -> None:
    """The packaging cost of one package, at the storefront's rate."""
    rates = StorefrontCostRates.objects.filter(storefront_id=order.storefront_id).first()
    if rates is not None:
        LedgerEntry.objects.bulk_create(
            _entries(
                order,
                [
                    (
                        LedgerKind.PACKAGING_COST,
                        rates.packaging_per_package,
                        {"package_id": package_id},
                    )
                ],
            )
        )


def ledger_record_shipment(
    order: Order, *, shipment_id: int, carrier_id: int, weight_grams: int
) -> None:
    """The carrier's price for one shipment (or one leg of it) of `weight_grams`."""
    rate = CarrierRate.objects.filter(
        storefront_id=order.storefront_id, carrier_id=carrier_id
    ).first()
    if rate is None:
        return
    cost = rate.per_shipment + rate.per_kg * Decimal(weight_grams) / 1000
    if cost.copy_abs() >= MONEY_LIMIT:
        # The entry could not be written (the column holds 14 digits); refuse the booking
        # that caused it, naming what to check, instead of failing it as a database error.
        message = (
            f"The carrier's price for {weight_grams:,} g at its rate ({cost:,.2f}) is more "
            f"than an amount can be ({MONEY_LIMIT:,}); check the packages' weights and the rate."
        )
        raise OrderValidationError(message, details={"packages": [message]})
    LedgerEntry.objects.bulk_create(
        _entries(order, [(LedgerKind.CARRIER_COST, cost, {"shipment_id": shipment_id})])
    )


def ledger_entry_correct(
    *, entry: LedgerEntry | int, amount: Decimal, note: str, actor: Any
) -> LedgerEntry:
    """Add an entry correcting `entry` by `amount` (negative to reduce it); say why."""
    if not user_may_correct_ledger(actor):
        raise TransitionPermissionDenied("You may not correct the ledger.")
    if not (note or "").strip():
        raise OrderValidationError(
            "Say why the entry is corrected.", details={"note": ["This field is required."]}
        )
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount == 0:
        raise OrderValidationError(
            "A correction is a non-zero amount.", details={"amount": ["Must not be 0."]}
        )
    original = entry if isinstance(entry, LedgerEntry) else LedgerEntry.objects.get(pk=entry)
    amount = amount_in_minor_units(amount, original.currency, field="amount")
    return LedgerEntry.objects.create(
        storefront_id=original.storefront_id,
        order_id=original.order_id,
        shipment_id=original.shipment_id,
        package_id=original.package_id,
        kind=original.kind,
        amount=amount,
        currency=original.currency,
        payment_method=original.payment_method,
        region_id=original.region_id,
        created_by=actor if actor.is_authenticated else None,
        corrects=original,
        note=note.strip()[:500],
    )


def ledger_balance(order: Order, kind: str) -> Decimal:
    """The sum of an order's entries of one kind, corrections included (for checks and tests)."""
    total = LedgerEntry.objects.filter(order=order, kind=kind).aggregate(total=Sum("amount"))
    return total["total"] or Decimal("0.00")
