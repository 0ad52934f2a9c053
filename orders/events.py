"""The order's event seam: what happened to an order, and who follows it up.

Every service that changes an order publishes one typed event here, inside
the transaction of the change: orders.services (creation, transitions) and
fulfillment's services (packages, shipments, carrier scans, after-sales and
supplier requests). What follows a change (the finance ledger, customer
e-mails, storefront webhooks) belongs to the apps above `orders`; each
subscribes its handlers in one readable place, its `subscribers.py`, called
from its `AppConfig.ready()`, and orders/tests/test_event_seam.py pins the
whole list.

`publish` calls the event type's handlers synchronously, in the order they
subscribed, inside the caller's transaction: the outbox rows they write
(ledger entries, notifications, webhook events) commit or roll back with the
change, and Celery sends them after the commit. A handler that raises fails
the change. Not Django signals and not django-fsm's post_transition: a reader
lists every consequence of an order change with `subscribers`.

Events carry the order as the publishing service holds it (locked in the
change's transaction; a handler that needs what another service changed in
the meantime reads it again) and plain values about the rows of the app that
publishes them, never those rows: `orders` imports no app built on it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from .models import Order

# -- the order itself (orders.services) -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OrderCreated:
    """A storefront's order was stored with its lines and its `created` history row."""

    order: Order


@dataclass(frozen=True, kw_only=True)
class OrderStatusChanged:
    """One status transition ran (a cancellation's refund or void follows as its own event)."""

    order: Order
    transition: str
    from_status: str
    to_status: str
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderPaymentChanged:
    """One payment transition ran; `amount` is the money a refund gave back."""

    order: Order
    transition: str
    from_status: str
    to_status: str
    amount: Decimal | None = None
    # The change that ran this payment transition, if not a person ("cancel", "edit").
    caused_by: str = ""

    @property
    def is_refund(self) -> bool:
        return self.transition == "refund_payment"


@dataclass(frozen=True, kw_only=True)
class OrderEdited:
    """An order was changed after it was placed (orders.services.edits), in one edit.

    `changes` are `{"field", "from", "to"}` with plain strings, as the API's
    `changes` and the `order.updated` webhook show them (for example
    `{"field": "lines[MUG-1].quantity", "from": "2", "to": "1"}`,
    `{"field": "shipping_address", ...}`, `{"field": "total", ...}`).
    `kind` is "edit" or "partial_cancel". `total_before` is the total before the
    edit; `shipping_price_before` likewise. A refund or capture the edit caused
    follows as its own `OrderPaymentChanged`.
    """

    order: Order
    changes: tuple[dict[str, str], ...]
    reason: str
    kind: str = "edit"
    total_before: Decimal
    shipping_price_before: Decimal
    # SKU -> the line's name, for every line the edit touched: a removed line is
    # gone from the order, and the customer reads its name, not its SKU.
    line_names: dict[str, str] = field(default_factory=dict)
    # What the edit refunded (its refund follows as an OrderPaymentChanged with
    # caused_by "edit"), so followers state the money without working it out again.
    refunded: Decimal = Decimal("0")


@dataclass(frozen=True, kw_only=True)
class OrderSplit:
    """Quantities of `order` moved to its new back-order (orders.services.backorders).

    `moved_total` is what the moved lines are worth; `paid_moved` the part of
    the order's captured money that went with them (0 for an unpaid, authorized
    or cash-on-delivery order). The back-order is not announced as a new order
    (no OrderCreated): its money was booked on the original.
    """

    order: Order
    backorder: Order
    moved: tuple[dict[str, str], ...]
    moved_total: Decimal
    paid_moved: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class ChangeRequestDecided:
    """A customer's change request was approved, rejected or applied at once.

    (orders.services.change_requests.) `status` is the request's new status
    (`approved`, `rejected`, `applied`); `note` what the customer is told
    (a rejection's reason). What the change did to the order came first, as
    its own OrderEdited or OrderStatusChanged.
    """

    order: Order
    request_id: int
    kind: str
    status: str
    note: str = ""


# -- fulfillment's work on it (fulfillment.services) ------------------------------------


@dataclass(frozen=True, kw_only=True)
class ShipmentFacts:
    """A shipment (or one leg of it) as it is at the moment of the event."""

    id: int
    carrier_id: int
    carrier_code: str
    carrier_name: str
    tracking_number: str
    tracking_url: str
    status: str


@dataclass(frozen=True, kw_only=True)
class PackageCreated:
    """Some of the order's quantities were packed into a new package."""

    order: Order
    package_id: int
    weight_grams: int


@dataclass(frozen=True, kw_only=True)
class ShipmentCreated:
    """Packages went to a carrier under a tracking number: booked, or handed over to a next leg.

    `weight_grams` is what the carrier carries; `previous_leg_id` is the leg a
    hand-over continues (None for a booking).
    """

    order: Order
    shipment: ShipmentFacts
    weight_grams: int
    previous_leg_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class CarrierScanRecorded:
    """A carrier reported a tracking event for one of the order's shipments (first time only).

    `status` is the carrier's (fulfillment's TrackingEventStatus); `shipment`
    shows the shipment after it.
    """

    order: Order
    shipment: ShipmentFacts
    status: str
    location: str = ""
    message: str = ""


@dataclass(frozen=True, kw_only=True)
class AfterSalesOpened:
    """A return, exchange, complaint or warranty claim was opened on a delivered order.

    `order_status_changed`: opening it moved the order to post-delivery, an
    OrderStatusChanged of its own published just before this event.
    """

    order: Order
    request_id: int
    kind: str
    source: str
    order_status_changed: bool


@dataclass(frozen=True, kw_only=True)
class AfterSalesStatusChanged:
    """Staff approved or rejected a request, or recorded its goods received."""

    order: Order
    request_id: int
    kind: str
    transition: str
    status: str


@dataclass(frozen=True, kw_only=True)
class AfterSalesResolved:
    """A request was settled: a refund (its OrderPaymentChanged came first), a replacement, credit.

    `amount` for a refund or credit, `replacement_order` (its number) for a replacement.
    """

    order: Order
    request_id: int
    kind: str
    resolution: str
    amount: Decimal | None = None
    replacement_order: str = ""


@dataclass(frozen=True, kw_only=True)
class SupplierRequestCreated:
    """Goods were requested from a supplier for the order (which waits on hold for them)."""

    order: Order
    request_id: int
    supplier_id: int
    delivery: str


@dataclass(frozen=True, kw_only=True)
class SupplierRequestStatusChanged:
    """A supplier confirmed, shipped or failed a request, or its goods were received."""

    order: Order
    request_id: int
    transition: str
    status: str


# Every event a service publishes, in the order of an order's life.
ORDER_EVENT_TYPES: tuple[type, ...] = (
    OrderCreated,
    OrderStatusChanged,
    OrderPaymentChanged,
    OrderEdited,
    OrderSplit,
    ChangeRequestDecided,
    PackageCreated,
    ShipmentCreated,
    CarrierScanRecorded,
    AfterSalesOpened,
    AfterSalesStatusChanged,
    AfterSalesResolved,
    SupplierRequestCreated,
    SupplierRequestStatusChanged,
)

Event = TypeVar("Event")

# event type -> its handlers, in the order they subscribed.
_SUBSCRIBERS: dict[type, list[Callable]] = {event_type: [] for event_type in ORDER_EVENT_TYPES}


def subscribe(event_type: type[Event], handler: Callable[[Event], None]) -> None:
    """Call `handler` with every `event_type` event published from now on.

    Call it from an `AppConfig.ready()` (through the app's subscribers.py).
    Subscribing the same handler again changes nothing.
    """
    if event_type not in _SUBSCRIBERS:
        raise ValueError(
            f"{event_type.__name__} is not an order event; these are: "
            + ", ".join(known.__name__ for known in ORDER_EVENT_TYPES)
            + "."
        )
    handlers = _SUBSCRIBERS[event_type]
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type) -> tuple[Callable, ...]:
    """Return the handlers of `event_type`, in the order `publish` calls them."""
    return tuple(_SUBSCRIBERS[event_type])


def publish(event: object) -> None:
    """Run every handler of `event`'s type now, inside the caller's transaction.

    Call it where the change happens, after its rows are written: a handler
    that raises fails the change, as any other write in its transaction would.
    """
    for handler in _SUBSCRIBERS[type(event)]:
        handler(event)
