"""A platform's webhook delivery: its signature checked on the raw body, then stored.

Nothing is applied here. A stored delivery is applied after commit by the
`connectors.delivery_apply` task (`connectors.services.deliveries`), so that a
failure while applying never loses what the platform sent, and the platform
gets its 200 as soon as the delivery is safe with us.

Order of work (DESIGN.md "Orders from the shops' own platforms"):
1. the signature, on the bytes as received, before anything is parsed or
   written: Shopify `X-Shopify-Hmac-Sha256`, WooCommerce `X-WC-Webhook-Signature`,
   both base64(HMAC-SHA256(secret, body)), compared in constant time;
   WooCommerce's unsigned first delivery (`webhook_id=N`) is answered but neither
   stored nor applied;
2. the delivery id (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`, or the
   body's SHA-256 without one): seen before, nothing is stored or applied again;
3. stored with its topic, a few headers (never the signature, cookies or
   credentials), the raw body and the platform's order id. A body that is not a
   JSON object is stored as failed (answered 200 all the same: a platform retries
   a refused delivery for days, and the same bytes would fail the same way).
"""

import base64
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction

from shared.outbox import enqueue

from ..models import DeliveryOutcome, Platform, PlatformConnection, PlatformDelivery
from ..secrets import SecretUnreadable, secret_decrypt
from .connections import connection_shop_domain_note

logger = logging.getLogger(__name__)

# The task applying a stored delivery (connectors/tasks.py), by name: it imports this package.
APPLY_TASK = "connectors.delivery_apply"


@dataclass(frozen=True)
class PlatformHeaders:
    signature: str
    topic: str
    delivery_id: str


HEADERS = {
    Platform.SHOPIFY: PlatformHeaders(
        signature="X-Shopify-Hmac-Sha256",
        topic="X-Shopify-Topic",
        delivery_id="X-Shopify-Webhook-Id",
    ),
    Platform.WOOCOMMERCE: PlatformHeaders(
        signature="X-WC-Webhook-Signature",
        topic="X-WC-Webhook-Topic",
        delivery_id="X-WC-Webhook-Delivery-ID",
    ),
}
SHOP_DOMAIN_HEADER = "X-Shopify-Shop-Domain"
# The topics applied to orders; any other topic is stored and marked ignored.
TOPICS = {
    Platform.SHOPIFY: frozenset({"orders/create", "orders/updated", "orders/cancelled"}),
    Platform.WOOCOMMERCE: frozenset({"order.created", "order.updated", "order.deleted"}),
}
# The headers kept with a delivery, for staff: the platforms' own (but the
# signature) and what says what sent it. Never cookies or credentials.
_KEPT_PREFIXES = ("x-shopify-", "x-wc-")
_KEPT_HEADERS = frozenset({"content-type", "user-agent", "content-length"})
_WOO_PING = re.compile(rb"webhook_id=\d{1,20}")


class DeliveryNotAuthenticated(Exception):
    """A missing or wrong signature: nothing of the request is kept."""


@dataclass(frozen=True)
class Receipt:
    """What receiving did: "stored", "repeat" (the delivery id was seen before) or "ping"."""

    status: str
    delivery: PlatformDelivery | None = None


def connection_for_delivery(*, platform: str, storefront_code: str) -> PlatformConnection | None:
    """The active connection of the storefront `storefront_code` on `platform`, or None."""
    if platform not in Platform.values:
        return None
    return (
        PlatformConnection.objects.select_related("storefront")
        .filter(platform=platform, storefront__code=storefront_code, is_active=True)
        .first()
    )


def signature_expected(secret: str, body: bytes) -> str:
    """How both platforms sign: base64 of the HMAC-SHA256 of the raw body, keyed with the secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _signature_valid(connection: PlatformConnection, body: bytes, signature: str) -> bool:
    try:
        secret = secret_decrypt(connection.signing_secret_encrypted)
    except SecretUnreadable:
        # Our configuration, not the sender's: say so loudly. The platform retries
        # a refused delivery, so it arrives once the storefront is connected again.
        logger.error(
            "platform delivery for %s refused: its signing secret cannot be read with this "
            "key; run connect_storefront again",
            connection.storefront.code,
        )
        return False
    if not secret:
        return False
    expected = signature_expected(secret, body).encode()
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def _headers_kept(headers: Mapping[str, str], signature_header: str) -> dict[str, str]:
    kept = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered == signature_header.lower():
            continue
        if lowered.startswith(_KEPT_PREFIXES) or lowered in _KEPT_HEADERS:
            kept[name] = str(value)[:500]
    return kept


def _body_read(body: bytes) -> tuple[str, str, str]:
    """The body as text to store, the platform's order id, and why it cannot be applied."""
    text = body.decode("utf-8", "replace").replace("\x00", "\ufffd")  # PostgreSQL text has no NUL
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError) as error:
        return text, "", f"The body is not JSON: {error}"
    if not isinstance(payload, dict):
        return text, "", "The body is not a JSON object."
    order_id = payload.get("id")
    order_id = "" if order_id is None or isinstance(order_id, dict | list) else str(order_id)
    return text, order_id[:100], ""


def delivery_receive(
    *, connection: PlatformConnection, headers: Mapping[str, str], body: bytes
) -> Receipt:
    """Check a delivery's signature and store it once; schedule applying it after commit.

    `headers` are the request's (any case), `body` its raw bytes. Raises
    DeliveryNotAuthenticated for a missing or wrong signature, having written nothing.
    """
    names = HEADERS[connection.platform]
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    signature = lowered.get(names.signature.lower(), "").strip()
    is_woo_ping = connection.platform == Platform.WOOCOMMERCE and _WOO_PING.fullmatch(body.strip())
    if not signature and is_woo_ping:
        # WooCommerce's first delivery after a webhook is made: unsigned, nothing in it.
        logger.info(
            "WooCommerce webhook ping for %s: %s",
            connection.storefront.code,
            body[:40].decode("ascii", "replace"),
        )
        return Receipt("ping")
    if not signature:
        raise DeliveryNotAuthenticated(f"The {names.signature} header is missing.")
    if not _signature_valid(connection, body, signature):
        raise DeliveryNotAuthenticated(f"The {names.signature} header does not match the body.")
    if is_woo_ping:
        return Receipt("ping")

    topic = lowered.get(names.topic.lower(), "").strip()[:60]
    body_sha256 = hashlib.sha256(body).hexdigest()
    delivery_id = lowered.get(names.delivery_id.lower(), "").strip()[:200] or body_sha256
    text, platform_order_id, unreadable = _body_read(body)
    if unreadable:
        outcome, error = DeliveryOutcome.FAILED, unreadable
    elif topic not in TOPICS[connection.platform]:
        outcome, error = DeliveryOutcome.IGNORED, f"Topic '{topic}' is not applied to orders."
    else:
        outcome, error = DeliveryOutcome.RECEIVED, ""
    fields = {
        "connection": connection,
        "platform": connection.platform,
        "topic": topic,
        "headers": _headers_kept(headers, names.signature),
        "raw_body": text,
        "platform_order_id": platform_order_id,
        "outcome": outcome,
        "error": error,
        "needs_attention": outcome == DeliveryOutcome.FAILED,
    }
    delivery, seen = _delivery_store(delivery_id=delivery_id, body_sha256=body_sha256, **fields)
    if delivery is None:
        return Receipt("repeat", seen)
    if connection.platform == Platform.SHOPIFY:
        connection_shop_domain_note(connection, lowered.get(SHOP_DOMAIN_HEADER.lower(), ""))
    if delivery.outcome == DeliveryOutcome.RECEIVED:
        # Applied after commit: eagerly (no broker) it is done before the 200 goes out.
        delivery.refresh_from_db(fields=["outcome", "error", "order", "needs_attention"])
    return Receipt("stored", delivery)


def _delivery_store(
    *, delivery_id: str, body_sha256: str, **fields
) -> tuple[PlatformDelivery | None, PlatformDelivery | None]:
    """Insert the delivery unless it was seen: (the new delivery, None) or (None, the one seen).

    WooCommerce's delivery id is a hash of the webhook and the current second, so
    two different deliveries of one webhook within a second share it. A
    WooCommerce id seen before with another body is therefore a new delivery, kept
    under the id and a part of its body's hash. The same id with the same body is a
    repeat on both platforms.
    """
    candidates = [delivery_id]
    if fields["platform"] == Platform.WOOCOMMERCE:
        candidates.append(f"{delivery_id[:180]}:{body_sha256[:16]}")
    for candidate in candidates:
        try:
            with transaction.atomic():
                delivery = PlatformDelivery.objects.create(delivery_id=candidate, **fields)
                if delivery.outcome == DeliveryOutcome.RECEIVED:
                    transaction.on_commit(partial(enqueue, APPLY_TASK, delivery.pk))
            return delivery, None
        except IntegrityError:
            seen = PlatformDelivery.objects.filter(
                connection=fields["connection"], delivery_id=candidate
            ).first()
            if seen is None:  # not the delivery id that collided: not ours to explain
                raise
            if seen.raw_body == fields["raw_body"]:
                return None, seen  # the repeat is answered with that delivery's own outcome
    return None, seen
