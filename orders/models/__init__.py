"""Storefronts, orders and their history, and how the work on them is organised.

One module per part: `storefronts` (sales channels and their API keys),
`orders` (the order, its lines and its lifecycle), `history` (the order's
history rows), `change_requests` (what customers ask to change), `planning`
(teams, regions, service levels and their alerts) and `bulk` (dashboard bulk
jobs). Import them from here: `orders.models` is
the app's models module and the name migrations use.
"""

from .bulk import BulkJob, BulkJobItem, BulkJobItemStatus, BulkJobStatus
from .change_requests import (
    ChangeRequestKind,
    ChangeRequestStatus,
    OrderChangeRequest,
    OrderChangeRequestQuerySet,
)
from .history import OrderChannel, OrderEvent, OrderEventType
from .orders import (
    CANCELLABLE_STATUSES,
    CUSTOMER_STATUS_NAMES,
    DEFERRED_PAYMENT_METHODS,
    HOLDABLE_STATUSES,
    MONEY,
    HoldReason,
    IdempotencyKey,
    Order,
    OrderLine,
    OrderQuerySet,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Priority,
    goods_not_left,
    order_not_cancelled,
    payment_allows_fulfilment,
)
from .planning import (
    Department,
    Holiday,
    ProductCategory,
    Region,
    ServiceLevel,
    SlaAlert,
    SlaAlertKind,
    Team,
)
from .storefronts import (
    ManagementMode,
    Storefront,
    StorefrontAPIKey,
    StorefrontAPIKeyManager,
    StorefrontQuerySet,
    generate_webhook_secret,
)

__all__ = [
    "CANCELLABLE_STATUSES",
    "CUSTOMER_STATUS_NAMES",
    "DEFERRED_PAYMENT_METHODS",
    "HOLDABLE_STATUSES",
    "MONEY",
    "BulkJob",
    "BulkJobItem",
    "BulkJobItemStatus",
    "BulkJobStatus",
    "ChangeRequestKind",
    "ChangeRequestStatus",
    "Department",
    "HoldReason",
    "Holiday",
    "IdempotencyKey",
    "ManagementMode",
    "Order",
    "OrderChangeRequest",
    "OrderChangeRequestQuerySet",
    "OrderChannel",
    "OrderEvent",
    "OrderEventType",
    "OrderLine",
    "OrderQuerySet",
    "OrderStatus",
    "PaymentMethod",
    "PaymentStatus",
    "Priority",
    "ProductCategory",
    "Region",
    "ServiceLevel",
    "SlaAlert",
    "SlaAlertKind",
    "Storefront",
    "StorefrontAPIKey",
    "StorefrontAPIKeyManager",
    "StorefrontQuerySet",
    "Team",
    "generate_webhook_secret",
    "goods_not_left",
    "order_not_cancelled",
    "payment_allows_fulfilment",
]
