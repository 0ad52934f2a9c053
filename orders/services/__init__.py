"""Everything that changes orders, one module per kind of change.

- `transitions`: `order_transition`, the one way to change an order's status
  or payment, and what callers need to know about each transition;
- `creation`: `order_create` and the API's `order_create_idempotent`;
- `edits`: `order_edit` and `order_cancel_lines`, changing an order after it
  was placed (lines, shipping price, address, contact; some quantities cancelled);
- `taking`: orders staff take for customers (phone, chat, counter, staff API);
- `teams`: moving an order to another team;
- `backorders`: `order_split`, moving quantities that cannot ship now to a back-order;
- `storefronts`: creating a storefront, rotating its API key;
- `change_requests`: what customers ask to change from the tracking page.

Import from `orders.services`: it names every public service. Locking an
order, and the team and version checks on the locked row, live in
`orders.locking`.
"""

from .backorders import order_split, order_split_movable, order_splittable
from .change_requests import (
    change_request_applies_at_once,
    change_request_approve,
    change_request_kinds_open,
    change_request_refusal,
    change_request_reject,
    change_request_submit,
)
from .creation import (
    ORDER_CREATE_TRIES,
    TAKE_ORDER_PERMISSION,
    idempotency_keys_expired_delete,
    order_create,
    order_create_idempotent,
    order_number_generate,
    order_total_compute,
)
from .edits import OrderEditResult, edit_money_sentence, order_cancel_lines, order_edit
from .storefronts import (
    APIKeyRotation,
    storefront_api_key_rotate,
    storefront_create,
    storefront_webhook_url_check,
)
from .taking import (
    TakenOrderTotals,
    order_take,
    order_take_preview,
    staff_external_id_generate,
    storefront_for_taking,
    storefronts_for_taking,
)
from .teams import order_team_reassign
from .transitions import (
    AFTER_SALES_OPEN_SERVICE,
    OFFERED_TRANSITIONS,
    TRANSITIONS,
    TransitionSpec,
    order_transition,
    refund_amount_validate,
    transition_owner_require,
    transition_permission_refusal,
    transition_reason_validate,
    transition_spec_get,
    transition_unmet_conditions,
)

__all__ = [
    "AFTER_SALES_OPEN_SERVICE",
    "OFFERED_TRANSITIONS",
    "ORDER_CREATE_TRIES",
    "TAKE_ORDER_PERMISSION",
    "TRANSITIONS",
    "APIKeyRotation",
    "OrderEditResult",
    "TakenOrderTotals",
    "TransitionSpec",
    "change_request_applies_at_once",
    "change_request_approve",
    "change_request_kinds_open",
    "change_request_refusal",
    "change_request_reject",
    "change_request_submit",
    "edit_money_sentence",
    "idempotency_keys_expired_delete",
    "order_cancel_lines",
    "order_create",
    "order_create_idempotent",
    "order_edit",
    "order_number_generate",
    "order_split",
    "order_split_movable",
    "order_splittable",
    "order_take",
    "order_take_preview",
    "order_team_reassign",
    "order_total_compute",
    "order_transition",
    "refund_amount_validate",
    "staff_external_id_generate",
    "storefront_api_key_rotate",
    "storefront_create",
    "storefront_for_taking",
    "storefront_webhook_url_check",
    "storefronts_for_taking",
    "transition_owner_require",
    "transition_permission_refusal",
    "transition_reason_validate",
    "transition_spec_get",
    "transition_unmet_conditions",
]
