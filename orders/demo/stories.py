"""The demo orders: each one taken in and walked to its final status by the service.

Orders are made the way real ones are: `order_create` takes them in and
`order_transition` moves them, each step run as the staff member whose role
does that step. History rows, versions, permission checks and automatic
refunds are therefore exactly what production would produce. Only the
timestamps are rewritten afterwards, so the board shows two months of trading
rather than the few seconds the seeding took.

The other apps' part of each order (boxes, parcels, ledger dates) comes from
the registered seeders (`seeders.demo_seeders`), called around each step.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from customers.demo import DemoCustomer, address_backdate, customer_pool, customers_backdate

from ..models import (
    CANCELLABLE_STATUSES,
    HOLDABLE_STATUSES,
    HoldReason,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
    Storefront,
)
from ..planning import order_replan
from ..services import TRANSITIONS, order_create, order_transition
from .catalogue import DEMO_STOREFRONT_CODE, GLOBAL_STOREFRONT_CODE, PRODUCTS
from .seeders import DemoOrder, demo_seeders

T = TypeVar("T")

# Who does each step; the orders service checks the matching permission.
_TRANSITION_ROLE = {
    "confirm": "manager",
    "start_picking": "warehouse",
    "start_packing": "warehouse",
    "mark_ready_to_ship": "warehouse",
    "ship": "warehouse",
    "deliver": "manager",
    "open_after_sales": "care",
    "complete": "care",
    "cancel": "care",
    "hold": "care",
    "release": "care",
    "authorize_payment": "finance",
    "capture_payment": "finance",
    "refund_payment": "finance",
    "void_payment": "finance",
}

# Minutes before each step, as (shortest, longest): minutes to a day, as on a real floor.
_GAP_MINUTES = {
    "authorize_payment": (1, 15),
    "confirm": (10, 8 * 60),
    "start_picking": (20, 24 * 60),
    "start_packing": (10, 3 * 60),
    "mark_ready_to_ship": (10, 2 * 60),
    "ship": (60, 24 * 60),
    "deliver": (6 * 60, 24 * 60),
    "open_after_sales": (2 * 60, 24 * 60),
    "complete": (6 * 60, 24 * 60),
    "cancel": (10, 24 * 60),
    "hold": (10, 6 * 60),
    "release": (60, 24 * 60),
    "capture_payment": (5, 2 * 60),
    "refund_payment": (60, 24 * 60),
    "void_payment": (5, 60),
}

# Share of the orders each status gets; the first nine (60 %) keep the queues busy.
_STATUS_WEIGHTS = {
    OrderStatus.RECEIVED: 9,
    OrderStatus.PROCESSING: 9,
    OrderStatus.PICKING: 7,
    OrderStatus.PACKING: 6,
    OrderStatus.READY_TO_SHIP: 6,
    OrderStatus.SHIPPED: 8,
    OrderStatus.DELIVERED: 6,
    OrderStatus.POST_DELIVERY: 4,
    OrderStatus.ON_HOLD: 5,
    OrderStatus.COMPLETED: 30,
    OrderStatus.CANCELLED: 10,
}

# How long ago an order in each final status was placed, in days; closed ones are older.
_AGE_DAYS = {
    OrderStatus.RECEIVED: (0.01, 0.5),
    OrderStatus.PROCESSING: (0.3, 2),
    OrderStatus.PICKING: (0.5, 3),
    OrderStatus.PACKING: (0.5, 3),
    OrderStatus.READY_TO_SHIP: (1, 4),
    OrderStatus.SHIPPED: (1.5, 6),
    OrderStatus.ON_HOLD: (1, 8),
    OrderStatus.DELIVERED: (3, 12),
    OrderStatus.POST_DELIVERY: (5, 20),
    OrderStatus.CANCELLED: (4, 60),
    OrderStatus.COMPLETED: (12, 60),
}

# The fulfilment path without detours; holds and cancellations branch off it.
_HAPPY_PATH = [
    (OrderStatus.RECEIVED, "confirm"),
    (OrderStatus.PROCESSING, "start_picking"),
    (OrderStatus.PICKING, "start_packing"),
    (OrderStatus.PACKING, "mark_ready_to_ship"),
    (OrderStatus.READY_TO_SHIP, "ship"),
    (OrderStatus.SHIPPED, "deliver"),
    (OrderStatus.DELIVERED, "open_after_sales"),
]

# Where each hold reason plausibly happens.
_HOLD_REASONS = {
    OrderStatus.PROCESSING: [
        HoldReason.PAYMENT_REVIEW,
        HoldReason.ADDRESS_CHECK,
        HoldReason.CUSTOMER_REQUEST,
    ],
    OrderStatus.PICKING: [HoldReason.STOCK_SHORTAGE],
    OrderStatus.PACKING: [HoldReason.STOCK_SHORTAGE, HoldReason.OTHER],
    OrderStatus.READY_TO_SHIP: [HoldReason.ADDRESS_CHECK, HoldReason.CUSTOMER_REQUEST],
    OrderStatus.SHIPPED: [HoldReason.DELIVERY_FAILED],
}
_HOLD_NOTES = {
    HoldReason.PAYMENT_REVIEW: "Card issuer flagged the payment; waiting for the provider.",
    HoldReason.ADDRESS_CHECK: "House number missing; called the customer.",
    HoldReason.CUSTOMER_REQUEST: "Customer asked us to wait until they are back home.",
    HoldReason.STOCK_SHORTAGE: "Shelf empty; supplier restock expected in 2-3 days.",
    HoldReason.OTHER: "Damaged packaging found while packing; replacing the item.",
    HoldReason.DELIVERY_FAILED: "Carrier could not reach the customer; redelivery booked.",
}
# Where cancellations and holds happen: received, processing, picking, packing,
# ready to ship (and shipped, for holds), following the model's lists. A cancellation
# from a hold is a held order given up on (see _story_play).
_CANCEL_FROM_WEIGHTS = dict(
    zip(
        [status for status in CANCELLABLE_STATUSES if status != OrderStatus.ON_HOLD],
        [35, 25, 15, 10, 15],
        strict=True,
    )
)
_HOLD_FROM_WEIGHTS = dict(zip(HOLDABLE_STATUSES, [25, 25, 10, 10, 30], strict=True))
_CANCEL_REASONS_EARLY = [
    "Customer changed their mind.",
    "Duplicate order placed by mistake.",
    "Customer ordered the wrong size.",
]
_CANCEL_REASONS_LATE = [
    "Item out of stock; customer did not want to wait.",
    "Customer asked to cancel before shipping.",
    "Address could not be verified with the customer.",
]

_FOREIGN_SHIPPING = {
    "SG": Decimal("9.90"),
    "JP": Decimal("14.90"),
    "AU": Decimal("19.90"),
    "US": Decimal("24.90"),
    "DE": Decimal("24.90"),
}
_GLOBAL_SHARE = 0.08
_VND_FREE_SHIPPING_FROM = Decimal("500000")
_VND_SHIPPING_PRICES = [Decimal("15000"), Decimal("22000"), Decimal("30000")]


@dataclass
class _OrderStory:
    """One order walked through the service, remembering each step for backdating."""

    # What the other apps' seeders see of the order (id, currency, lines, staff).
    order: DemoOrder
    address_id: int
    payment_method: str
    total: Decimal
    rng: random.Random
    status: str = OrderStatus.RECEIVED
    payment_status: str = PaymentStatus.UNPAID
    held: bool = False
    # One (transition, gap before it) per order_transition call.
    steps: list[tuple[str, timedelta]] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(quantity for _sku, _price, quantity in self.order.lines)

    def step(
        self,
        transition: str,
        *,
        reason: str = "",
        note: str = "",
        amount: Decimal | None = None,
        gap_minutes: tuple[float, float] | None = None,
    ) -> None:
        low, high = gap_minutes or _GAP_MINUTES[transition]
        for seeder in demo_seeders:
            seeder.step_prepare(self.order, transition=transition)
        if TRANSITIONS[transition].owner:
            if not any(
                seeder.step_take(self.order, transition=transition) for seeder in demo_seeders
            ):
                raise RuntimeError(f"No demo seeder takes '{transition}' through its service.")
            order = Order.objects.get(pk=self.order.pk)
        else:
            order = order_transition(
                order=self.order.pk,
                transition=transition,
                actor=self.order.actors[_TRANSITION_ROLE[transition]],
                reason=reason,
                note=note,
                amount=amount,
            )
        self.status = order.status
        self.payment_status = order.payment_status
        self.steps.append((transition, timedelta(minutes=self.rng.uniform(low, high))))
        for seeder in demo_seeders:
            seeder.step_follow(self.order, transition=transition)


def orders_seed(
    *,
    count: int,
    storefronts: dict[str, Storefront],
    actors: dict[str, AbstractBaseUser],
    rng: random.Random,
    say: Callable[[str], None],
) -> int:
    """Create `count` orders spread over the statuses, each with a history of its own."""
    now = timezone.now()
    domestic, foreign = customer_pool(rng)
    targets = _status_targets(count, rng)
    for index, target in enumerate(targets, start=1):
        is_global = rng.random() < _GLOBAL_SHARE
        buyer = rng.choice(foreign if is_global else domestic)
        storefront = storefronts[GLOBAL_STOREFRONT_CODE if is_global else DEMO_STOREFRONT_CODE]
        # One transaction per order: an order is either seeded whole or not at all.
        with transaction.atomic():
            story = _order_start(
                storefront=storefront, buyer=buyer, index=index, actors=actors, rng=rng
            )
            _story_play(story, target)
            _history_backdate(story, target=target, now=now)
        if index % 100 == 0 and index < count:
            say(f"  {index} of {count} orders...")
    first_order_at = (
        Order.objects.filter(storefront__in=list(storefronts.values()))
        .values("customer_id")
        .annotate(first_order_at=Min("placed_at"))
        .values_list("customer_id", "first_order_at")
        .order_by()
    )
    customers_backdate(dict(first_order_at))
    say(f"Created {count} orders.")
    return count


def _status_targets(count: int, rng: random.Random) -> list[str]:
    """Return `count` final statuses in the weighted shares, shuffled."""
    total_weight = sum(_STATUS_WEIGHTS.values())
    quotas = {status: count * weight / total_weight for status, weight in _STATUS_WEIGHTS.items()}
    counts = {status: int(quota) for status, quota in quotas.items()}
    # Largest remainders get the leftovers, so small runs still reach the rare states.
    leftover = count - sum(counts.values())
    by_remainder = sorted(quotas, key=lambda status: quotas[status] - counts[status], reverse=True)
    for status in by_remainder[:leftover]:
        counts[status] += 1
    targets = [status for status, number in counts.items() for _ in range(number)]
    rng.shuffle(targets)
    return targets


def _order_start(
    *,
    storefront: Storefront,
    buyer: DemoCustomer,
    index: int,
    actors: dict[str, AbstractBaseUser],
    rng: random.Random,
) -> _OrderStory:
    is_global = storefront.code == GLOBAL_STOREFRONT_CODE
    products = rng.sample(PRODUCTS, k=_weighted(rng, {1: 45, 2: 30, 3: 15, 4: 10}))
    lines = [
        {
            "sku": sku,
            "name": name_en if is_global else name_vi,
            "category": category,
            "quantity": _weighted(rng, {1: 75, 2: 20, 3: 5}),
            "unit_price": Decimal(price_usd if is_global else price_vnd).quantize(Decimal("0.01")),
        }
        for sku, name_vi, name_en, category, price_vnd, price_usd in products
    ]
    subtotal = sum(line["unit_price"] * line["quantity"] for line in lines)
    if is_global:
        shipping_price = _FOREIGN_SHIPPING[buyer.address["country"]]
        # No cash on delivery abroad.
        payment_method = _weighted(rng, {PaymentMethod.CARD: 85, PaymentMethod.INVOICE: 15})
    else:
        shipping_price = (
            Decimal("0")
            if subtotal >= _VND_FREE_SHIPPING_FROM
            else rng.choice(_VND_SHIPPING_PRICES)
        )
        payment_method = _weighted(
            rng,
            {
                PaymentMethod.CASH_ON_DELIVERY: 45,
                PaymentMethod.CARD: 40,
                PaymentMethod.INVOICE: 15,
            },
        )
    # The storefront's API creates orders, so no staff actor.
    order = order_create(
        storefront=storefront,
        external_id=f"{'GS' if is_global else 'WEB'}-{100000 + index}",
        customer=buyer.customer,
        shipping_address=buyer.address,
        lines=lines,
        payment_method=payment_method,
        shipping_price=shipping_price,
        # Every seventh order is express (not drawn from rng: the rest of the demo stays as is).
        priority=Priority.EXPRESS if index % 7 == 0 else Priority.STANDARD,
    )
    return _OrderStory(
        order=DemoOrder(
            pk=order.pk,
            currency=order.currency,
            lines=tuple((line["sku"], line["unit_price"], line["quantity"]) for line in lines),
            actors=actors,
        ),
        address_id=order.shipping_address_id,
        payment_method=payment_method,
        total=order.total,
        rng=rng,
    )


def _story_play(story: _OrderStory, target: str) -> None:
    """Move the order to `target` along a path a real order could have taken."""
    rng = story.rng
    # Some orders that end elsewhere were held once and released on the way.
    detour_at = rng.choice(HOLDABLE_STATUSES) if rng.random() < 0.15 else None

    # A card order waits in "received" until the provider authorises the payment.
    card_authorized_early = story.payment_method == PaymentMethod.CARD and rng.random() < 0.5
    if target == OrderStatus.RECEIVED:
        if card_authorized_early:
            story.step("authorize_payment")
        return
    if target == OrderStatus.CANCELLED:
        cancel_from = _weighted(rng, _CANCEL_FROM_WEIGHTS)
        if cancel_from == OrderStatus.RECEIVED and card_authorized_early:
            story.step("authorize_payment")
        _advance(story, cancel_from, detour_at=detour_at)
        late = cancel_from not in (OrderStatus.RECEIVED, OrderStatus.PROCESSING)
        if story.payment_status == PaymentStatus.AUTHORIZED and late:
            # Authorisations expire within days; money taken early must now go back.
            story.step("capture_payment", note="Captured before the authorisation expired.")
        if cancel_from in HOLDABLE_STATUSES and rng.random() < 0.25:
            # Held first (say, for stock), then given up on: cancelled while held.
            _hold(story)
        reason = rng.choice(_CANCEL_REASONS_LATE if late else _CANCEL_REASONS_EARLY)
        # Paid orders are refunded and authorisations voided by the service itself.
        story.step("cancel", reason=reason)
        return
    if target == OrderStatus.ON_HOLD:
        hold_from = _weighted(rng, _HOLD_FROM_WEIGHTS)
        _advance(story, hold_from, detour_at=detour_at)
        _hold(story)
        return

    _advance(story, OrderStatus.DELIVERED if target == OrderStatus.COMPLETED else target, detour_at)
    if target in (OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY):
        if story.status == OrderStatus.POST_DELIVERY and rng.random() < 0.5:
            _refund_partial(story)
        return
    if target == OrderStatus.COMPLETED:
        if (
            story.payment_method == PaymentMethod.INVOICE
            and story.payment_status != PaymentStatus.PAID
        ):
            story.step("capture_payment", gap_minutes=(2 * 60, 24 * 60))
        if rng.random() < 0.3:
            story.step("open_after_sales")
            if rng.random() < 0.25 and story.payment_status == PaymentStatus.PAID:
                story.step("refund_payment", note="Full return; all items received back.")
            else:
                _refund_partial(story)
        story.step("complete")


def _advance(story: _OrderStory, until: str, detour_at: str | None = None) -> None:
    """Walk the happy path up to `until` with each payment method's steps on the way."""
    rng = story.rng
    capture_before_ship = rng.random() < 0.5
    for status, transition in _HAPPY_PATH:
        if story.status == until:
            return
        if status == detour_at and not story.held:
            _hold(story)
            story.step("release")
        if transition == "confirm" and story.payment_method == PaymentMethod.CARD:
            story.step("authorize_payment")
        story.step(transition)
        if story.payment_method == PaymentMethod.CARD:
            # Cards are captured around shipping: when packed, or once the carrier has it.
            if transition == ("mark_ready_to_ship" if capture_before_ship else "ship"):
                story.step("capture_payment")
        elif story.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            if transition == "deliver":
                story.step("capture_payment", gap_minutes=(1, 30))
        elif transition == "deliver" and rng.random() < 0.5:
            # Some invoices are settled soon after delivery, the rest are still open.
            story.step("capture_payment", gap_minutes=(2 * 60, 24 * 60))


def _hold(story: _OrderStory) -> None:
    reason = story.rng.choice(_HOLD_REASONS[story.status])
    story.step("hold", reason=reason, note=_HOLD_NOTES[reason])
    story.held = True


def _refund_partial(story: _OrderStory) -> None:
    """Refund part of a paid order: one returned item, or a goodwill gesture."""
    if story.payment_status != PaymentStatus.PAID:
        return
    # Only an order of two or more units can have one of them sent back.
    returnable = (
        [(sku, price) for sku, price, _quantity in story.order.lines] if story.units > 1 else []
    )
    if returnable and story.rng.random() < 0.6:
        sku, amount = story.rng.choice(returnable)
        note = f"Customer returned one {sku}."
    else:
        share = Decimal(story.rng.choice(["0.10", "0.15", "0.20"]))
        step = Decimal("1000") if story.order.currency == "VND" else Decimal("0.01")
        amount = max((story.total * share / step).quantize(Decimal("1")) * step, step)
        note = "Goodwill refund for a late parcel."
    story.step("refund_payment", amount=amount.quantize(Decimal("0.01")), note=note)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _history_backdate(story: _OrderStory, *, target: str, now: datetime) -> None:
    """Spread the order's history over the past, closed orders furthest back.

    Uses `QuerySet.update`, which leaves the protected status fields alone.
    """
    rng = story.rng
    low, high = _AGE_DAYS[target]
    duration = sum((gap for _transition, gap in story.steps), timedelta())
    age = max(
        timedelta(days=rng.uniform(low, high)),
        duration + timedelta(minutes=rng.uniform(5, 180)),
    )
    placed_at = now - age
    step_times = list(accumulate((gap for _transition, gap in story.steps), initial=placed_at))

    events = list(OrderEvent.objects.filter(order_id=story.order.pk).order_by("id"))
    events[0].created_at = placed_at  # the "created" event
    step_index = 0
    for event in events[1:]:
        # An event that is not the next planned step came with the previous one
        # (the refund or void the service adds to a cancellation).
        if step_index < len(story.steps) and event.transition == story.steps[step_index][0]:
            step_index += 1
        event.created_at = step_times[step_index]
    if step_index != len(story.steps):
        raise RuntimeError(f"Order {story.order.pk}: events do not match the steps taken.")
    OrderEvent.objects.bulk_update(events, ["created_at"])

    last_time_of = {
        transition: time
        for (transition, _gap), time in zip(story.steps, step_times[1:], strict=True)
    }
    Order.objects.filter(pk=story.order.pk).update(
        placed_at=placed_at,
        created_at=placed_at,
        updated_at=step_times[-1],
        confirmed_at=last_time_of.get("confirm"),
        shipped_at=last_time_of.get("ship"),
        delivered_at=last_time_of.get("deliver"),
        closed_at=last_time_of.get("complete") or last_time_of.get("cancel"),
    )
    for seeder in demo_seeders:
        seeder.history_backdate(story.order, placed_at=placed_at, step_times=last_time_of)
    order = Order.objects.select_related("storefront", "shipping_address").get(pk=story.order.pk)
    order_replan(order, stage_started_at=step_times[-1])
    Order.objects.filter(pk=order.pk).update(
        stage_deadlines=order.stage_deadlines,
        promised_delivery_date=order.promised_delivery_date,
        stage_started_at=order.stage_started_at,
        stage_due_at=order.stage_due_at,
        stage_at_risk_at=order.stage_at_risk_at,
    )
    address_backdate(address_id=story.address_id, created_at=placed_at)
