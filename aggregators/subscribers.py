"""What the aggregators app does when an order changes: one readable place (DESIGN.md).

A shipment booked under a tracking number the aggregators already reported
(kept unmatched until then) gets those updates applied, oldest first, once
the booking is committed.
"""

import logging
from functools import partial

from django.db import transaction

from orders.events import ShipmentCreated, subscribe

from .models import TrackingUpdate, UpdateOutcome
from .services import update_apply

logger = logging.getLogger(__name__)


def unmatched_updates_apply(tracking_number: str) -> None:
    """Apply again the unmatched updates waiting for `tracking_number`, oldest first."""
    waiting = TrackingUpdate.objects.filter(
        tracking_number=tracking_number,
        outcome=UpdateOutcome.UNMATCHED,
        needs_attention=True,
    ).order_by("received_at", "id")
    for update in waiting:
        try:
            update_apply(update)
        except Exception:
            # Runs after the booking committed: a failure here must not answer the
            # booking with a 500 nor keep the next updates waiting. This one stays
            # unmatched on the staff's list, to apply again.
            logger.exception("tracking update %s could not be applied on booking", update.pk)


def updates_apply_on_shipment(event: ShipmentCreated) -> None:
    transaction.on_commit(partial(unmatched_updates_apply, event.shipment.tracking_number))


def order_events_subscribe() -> None:
    subscribe(ShipmentCreated, updates_apply_on_shipment)
