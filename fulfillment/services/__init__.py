"""Changes to fulfillment records, one module per kind of work.

Order status changes still go through `orders.services.order_transition`.
"""

from .after_sales import after_sales_request_open
from .packing import (
    carriers_defaults_ensure,
    package_create,
    shipment_create,
    shipment_hand_over,
)
from .tracking import (
    Scan,
    TrackingReport,
    carrier_authenticate,
    shipment_tracking_apply,
    tracking_event_record,
)

__all__ = [
    "Scan",
    "TrackingReport",
    "after_sales_request_open",
    "carrier_authenticate",
    "carriers_defaults_ensure",
    "package_create",
    "shipment_create",
    "shipment_hand_over",
    "shipment_tracking_apply",
    "tracking_event_record",
]
