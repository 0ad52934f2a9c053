"""Changes to fulfillment records, one module per kind of work.

Order status changes still go through `orders.services.order_transition`.
"""

from .after_sales import after_sales_request_open
from .packing import (
    carrier_authenticate,
    carriers_defaults_ensure,
    package_create,
    shipment_create,
    shipment_hand_over,
    tracking_event_record,
)

__all__ = [
    "after_sales_request_open",
    "carrier_authenticate",
    "carriers_defaults_ensure",
    "package_create",
    "shipment_create",
    "shipment_hand_over",
    "tracking_event_record",
]
