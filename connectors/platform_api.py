"""Telling Shopify or WooCommerce that an order shipped: which requests, in which order.

Each function makes its requests through `send` (connectors.platform_http's
`platform_request`, with the timeout bound) and returns a `PushResult` with
every call made, for the push's log. They are safe to run again after any
failure, which is what a retry does:

- Shopify (REST Admin API; base URL `https://<shop>.myshopify.com/admin/api/<version>`,
  header `X-Shopify-Access-Token`): read the order's fulfillment orders, then
  create one fulfillment of all those still open or in progress, with the
  tracking number, URL and company. A fulfillment order already closed is
  not fulfilled again, so a retry after a fulfillment that did go through
  finds nothing open and stops there. A shipment handed over to another
  carrier after shipping (a last-mile leg) updates the tracking of the
  fulfillment that carries the earlier leg's number instead.
- WooCommerce (REST API v3; base URL `https://<shop>/wp-json/wc/v3`, HTTP Basic
  auth with `consumer_key:consumer_secret`): set the order `completed`, then add
  a note with the carrier, tracking number and URL unless a note with that
  tracking number is already there.

Neither asks the platform to e-mail the customer (Shopify `notify_customer`
false, a private WooCommerce note): we send the customer our own shipping
e-mail with the tracking link (notifications), and one is enough.
"""

import base64
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext

from .platform_http import PlatformCall

# Our carrier codes whose name Shopify knows (its list of supported tracking companies,
# exact spelling): Shopify then links and follows the number itself. Others go by our name.
SHOPIFY_TRACKING_COMPANIES = {
    "dhl": "DHL Express",
    "dhl_express": "DHL Express",
    "dhl-express": "DHL Express",
    "fedex": "FedEx",
    "ups": "UPS",
    "usps": "USPS",
    "dpd": "DPD",
}
# Fulfillment orders that may still take a fulfillment (REST `status`).
SHOPIFY_FULFILLABLE_STATUSES = frozenset({"open", "in_progress"})

Send = Callable[..., PlatformCall]


@dataclass(frozen=True)
class Tracking:
    """What goes back to the platform about one shipment."""

    carrier_code: str
    carrier_name: str
    number: str
    url: str
    # The earlier leg's tracking number when this shipment continues it (a hand-over).
    replaces: str = ""


@dataclass
class PushResult:
    """Every request one run made, and how the run ended: sent, retry or failed."""

    calls: list[PlatformCall] = field(default_factory=list)
    outcome: str = "sent"
    error: str = ""
    retry_after: float | None = None
    # Why nothing needed sending, for the log (the platform already had it).
    note: str = ""

    def stop_on(self, call: PlatformCall) -> bool:
        """Record `call`; True (and the outcome set) when it did not succeed."""
        self.calls.append(call)
        if call.ok:
            return False
        self.outcome = "retry" if call.retryable else "failed"
        self.error = call.error or f"HTTP {call.status}"
        self.retry_after = call.retry_after if call.status == 429 else None
        return True

    def fail(self, error: str) -> "PushResult":
        self.outcome, self.error = "failed", error
        return self


def _path_id(platform_order_id: str) -> str:
    # The id goes into a path: nothing in it may climb out of it.
    return urllib.parse.quote(platform_order_id, safe="")


def shopify_company(tracking: Tracking) -> str:
    """Shopify's name for our carrier when it knows it, else our carrier's name."""
    return SHOPIFY_TRACKING_COMPANIES.get(tracking.carrier_code.lower(), tracking.carrier_name)


def shopify_ship(
    send: Send, *, api_url: str, token: str, platform_order_id: str, tracking: Tracking
) -> PushResult:
    """Fulfil the Shopify order's open fulfillment orders with this shipment's tracking."""
    result = PushResult()
    headers = {"X-Shopify-Access-Token": token}
    order_path = f"{api_url}/orders/{_path_id(platform_order_id)}"
    call = send("GET", f"{order_path}/fulfillment_orders.json", headers=headers)
    if result.stop_on(call):
        return result
    answer = call.json()
    orders = answer.get("fulfillment_orders") if isinstance(answer, dict) else None
    if not isinstance(orders, list):
        return result.fail("Shopify's answer has no fulfillment_orders list.")
    open_ids = [
        fulfillment_order["id"]
        for fulfillment_order in orders
        if isinstance(fulfillment_order, dict)
        and fulfillment_order.get("status") in SHOPIFY_FULFILLABLE_STATUSES
        and "id" in fulfillment_order
    ]
    if not open_ids and tracking.replaces:
        return _shopify_tracking_update(send, result, api_url, order_path, headers, tracking)
    if not open_ids:
        # Fulfilled already (by an earlier try, an earlier parcel, or by hand on Shopify).
        result.note = "Nothing left to fulfil on Shopify: its fulfillment orders are closed."
        return result
    payload = {
        "fulfillment": {
            "line_items_by_fulfillment_order": [
                {"fulfillment_order_id": fulfillment_order_id} for fulfillment_order_id in open_ids
            ],
            "tracking_info": _shopify_tracking_info(tracking),
            "notify_customer": False,  # we e-mail the customer ourselves
        }
    }
    result.stop_on(send("POST", f"{api_url}/fulfillments.json", headers=headers, payload=payload))
    return result


def _shopify_tracking_info(tracking: Tracking) -> dict[str, str]:
    tracking_info = {"company": shopify_company(tracking), "number": tracking.number}
    if tracking.url:
        tracking_info["url"] = tracking.url
    return tracking_info


def _shopify_tracking_numbers(fulfillment: dict) -> set[str]:
    numbers = fulfillment.get("tracking_numbers")
    return {
        fulfillment.get("tracking_number") or "",
        *(numbers if isinstance(numbers, list) else []),
    }


def _shopify_tracking_update(
    send: Send,
    result: PushResult,
    api_url: str,
    order_path: str,
    headers: dict[str, str],
    tracking: Tracking,
) -> PushResult:
    """A hand-over: the fulfillment that carries the earlier number gets the new one."""
    call = send("GET", f"{order_path}/fulfillments.json", headers=headers)
    if result.stop_on(call):
        return result
    answer = call.json()
    fulfillments = answer.get("fulfillments") if isinstance(answer, dict) else None
    if not isinstance(fulfillments, list):
        return result.fail("Shopify's answer has no fulfillments list.")
    fulfillments = [
        fulfillment
        for fulfillment in fulfillments
        if isinstance(fulfillment, dict) and fulfillment.get("status") != "cancelled"
    ]
    if any(tracking.number in _shopify_tracking_numbers(f) for f in fulfillments):
        result.note = "Shopify's fulfillment has this tracking number already."
        return result
    carrying = next(
        (f for f in fulfillments if tracking.replaces in _shopify_tracking_numbers(f)), None
    )
    if carrying is None or "id" not in carrying:
        result.note = (
            f"No Shopify fulfillment carries the earlier number {tracking.replaces}: "
            "nothing to update."
        )
        return result
    payload = {
        "fulfillment": {
            "tracking_info": _shopify_tracking_info(tracking),
            "notify_customer": False,
        }
    }
    url = f"{api_url}/fulfillments/{_path_id(str(carrying['id']))}/update_tracking.json"
    result.stop_on(send("POST", url, headers=headers, payload=payload))
    return result


def woocommerce_note(tracking: Tracking) -> str:
    """The order note WooCommerce gets: carrier, number and the tracking link."""
    note = gettext("Shipped with %(carrier)s: %(number)s") % {
        "carrier": tracking.carrier_name,
        "number": tracking.number,
    }
    return f"{note} {tracking.url}" if tracking.url else note


def woocommerce_ship(
    send: Send, *, api_url: str, token: str, platform_order_id: str, tracking: Tracking
) -> PushResult:
    """Mark the WooCommerce order completed and note the tracking on it (once)."""
    result = PushResult()
    if ":" not in token:
        return result.fail(
            "The WooCommerce API token must be consumer_key:consumer_secret; nothing was sent."
        )
    credentials = base64.b64encode(token.encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}
    order_url = f"{api_url}/orders/{_path_id(platform_order_id)}"
    call = send("PUT", order_url, headers=headers, payload={"status": "completed"})
    if result.stop_on(call):
        return result
    call = send("GET", f"{order_url}/notes", headers=headers)
    if result.stop_on(call):
        return result
    notes = call.json()
    if isinstance(notes, list) and any(
        isinstance(note, dict) and tracking.number in str(note.get("note", "")) for note in notes
    ):
        result.note = "WooCommerce already has a note with this tracking number."
        return result
    payload = {"note": woocommerce_note(tracking), "customer_note": False}
    result.stop_on(send("POST", f"{order_url}/notes", headers=headers, payload=payload))
    return result


# platform -> how an order of it is told it shipped.
PLATFORM_SHIPPERS: dict[str, Callable[..., PushResult]] = {
    "shopify": shopify_ship,
    "woocommerce": woocommerce_ship,
}
