"""Payloads as the aggregators document them, signed as they sign them."""

import base64
import copy
import hashlib
import hmac
import json
import unicodedata
from pathlib import Path

import pytest

from fulfillment.models import Carrier, Shipment
from orders.models import OrderStatus
from orders.tests.factories import order_in_state

PAYLOADS = Path(__file__).parent / "payloads"
AFTERSHIP_SECRET = "test-aftership-secret"
# Not ASCII on purpose: EasyPost keys the HMAC with the secret normalised to NFKD.
EASYPOST_SECRET = "test-easypost-secret-ﬁ"
AFTERSHIP_VERSIONS = ["2024-07", "2024-10", "2025-01", "2025-04", "2025-07", "2026-01", "2026-07"]


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.AFTERSHIP_WEBHOOK_SECRET = AFTERSHIP_SECRET
    settings.EASYPOST_WEBHOOK_SECRET = EASYPOST_SECRET


def payload(name: str) -> dict:
    return copy.deepcopy(json.loads((PAYLOADS / name).read_text(encoding="utf-8")))


def aftership_signature(body: bytes, secret: str = AFTERSHIP_SECRET) -> str:
    """As AfterShip signs: base64 of the HMAC-SHA256 of the raw body with the webhook secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def easypost_signature(body: bytes, secret: str = EASYPOST_SECRET) -> str:
    """As EasyPost signs: hex HMAC-SHA256 keyed with the NFKD-normalised secret, prefixed."""
    key = unicodedata.normalize("NFKD", secret).encode("utf-8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def as_bytes(body) -> bytes:
    if isinstance(body, bytes):
        return body
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def aftership_post(client, body, *, signature: str | None = None, version: str = "2026-07"):
    raw = as_bytes(body)
    headers = {"as-webhook-version": version, "user-agent": "AfterShipTrackingWebhook/4.0.0"}
    if signature is not False:
        headers["aftership-hmac-sha256"] = signature or aftership_signature(raw)
    return client.post(
        "/api/v1/tracking/aftership/", raw, content_type="application/json", headers=headers
    )


def easypost_post(client, body, *, signature: str | None = None):
    raw = as_bytes(body)
    headers = {"user-agent": "EasyPost WebHook Agent 1.0"}
    if signature is not False:
        headers["X-Hmac-Signature"] = signature or easypost_signature(raw)
    return client.post(
        "/api/v1/tracking/easypost/", raw, content_type="application/json", headers=headers
    )


def shipped_shipment(tracking_number: str, **carrier_fields) -> Shipment:
    """A shipped order's one shipment, under `tracking_number` (and its carrier's fields)."""
    order = order_in_state(OrderStatus.SHIPPED)
    shipment = order.shipments.select_related("carrier").get()
    Shipment.objects.filter(pk=shipment.pk).update(tracking_number=tracking_number)
    if carrier_fields:
        Carrier.objects.filter(pk=shipment.carrier_id).update(**carrier_fields)
    return Shipment.objects.select_related("carrier", "order").get(pk=shipment.pk)
