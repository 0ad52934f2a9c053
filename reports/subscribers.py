"""What the finance ledger books when an order changes: its handlers on the order event seam.

Each runs inside the change's transaction (orders.events), so an entry exists
exactly when the change committed.
"""

from orders.events import (
    OrderCreated,
    OrderEdited,
    OrderPaymentChanged,
    OrderSplit,
    OrderStatusChanged,
    PackageCreated,
    ShipmentCreated,
    subscribe,
)
from orders.models import PaymentStatus

from .ledger import (
    ledger_record_edit,
    ledger_record_order_created,
    ledger_record_package,
    ledger_record_shipment,
    ledger_record_split,
    ledger_record_transition,
)


def ledger_book_order_created(event: OrderCreated) -> None:
    """An order that arrives already paid earns now."""
    ledger_record_order_created(event.order)


def ledger_book_status_change(event: OrderStatusChanged) -> None:
    """Handling when the order ships; revenue when a cash-on-delivery order is delivered."""
    ledger_record_transition(event.order, transition=event.transition)


def ledger_book_payment_change(event: OrderPaymentChanged) -> None:
    """Revenue (or cash collected) on capture, and each refund."""
    ledger_record_transition(
        event.order,
        transition=event.transition,
        amount=event.amount,
        # Captured again from paid: the balance an edit left due.
        balance=event.from_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED),
    )


def ledger_book_edit(event: OrderEdited) -> None:
    """A changed shipping price on an order whose revenue is booked: the difference."""
    ledger_record_edit(event.order, shipping_price_before=event.shipping_price_before)


def ledger_book_split(event: OrderSplit) -> None:
    """The captured money that moved to a back-order leaves the original's revenue for it."""
    ledger_record_split(
        event.order, backorder=event.backorder, paid_moved=event.paid_moved, reason=event.reason
    )


def ledger_book_package(event: PackageCreated) -> None:
    """The packaging cost of the new package."""
    ledger_record_package(event.order, package_id=event.package_id)


def ledger_book_shipment(event: ShipmentCreated) -> None:
    """The carrier's price for the new shipment or leg, by weight."""
    ledger_record_shipment(
        event.order,
        shipment_id=event.shipment.id,
        carrier_id=event.shipment.carrier_id,
        weight_grams=event.weight_grams,
    )


def order_events_subscribe() -> None:
    """Subscribe the ledger to the order events that move money (from ReportsConfig.ready)."""
    subscribe(OrderCreated, ledger_book_order_created)
    subscribe(OrderStatusChanged, ledger_book_status_change)
    subscribe(OrderPaymentChanged, ledger_book_payment_change)
    subscribe(OrderSplit, ledger_book_split)
    subscribe(OrderEdited, ledger_book_edit)
    subscribe(PackageCreated, ledger_book_package)
    subscribe(ShipmentCreated, ledger_book_shipment)
