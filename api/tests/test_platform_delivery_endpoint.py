"""`POST /api/v1/connectors/<platform>/<code>/`: signatures, repeats, the WooCommerce ping.

What is done with a stored delivery is tested in connectors/tests/.
"""

import json

import pytest
from django.test import Client

from connectors.models import DeliveryOutcome, PlatformConnection, PlatformDelivery
from connectors.services.receiving import delivery_receive
from connectors.tests.payloads import payload_bytes
from connectors.tests.platform_requests import (
    SHOPIFY_SECRET,
    WOO_SECRET,
    connected_storefront,
    shopify_post,
    sign,
    woo_post,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

BODY = {"id": 820982911946154508, "name": "#1001", "email": "lan@example.com"}


@pytest.fixture
def shopify(db):
    return connected_storefront("shopify")


@pytest.fixture
def woo(db):
    return connected_storefront("woocommerce")


def error_code(response) -> str:
    return response.json()["error"]["code"]


def test_a_wrong_signature_is_401_and_nothing_is_kept(shopify, client):
    response = shopify_post(
        client, BODY, signature=sign("not-the-secret", json.dumps(BODY).encode())
    )

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    assert not PlatformDelivery.objects.exists()


def test_a_missing_signature_is_401_and_nothing_is_kept(shopify, client):
    connected_storefront("woocommerce", code="lan-wc")
    assert error_code(shopify_post(client, BODY, signature="")) == "not_authenticated"
    response = woo_post(client, BODY, code="lan-wc", signature="")
    assert response.status_code == 401
    assert not PlatformDelivery.objects.exists()


def test_a_signature_of_other_bytes_is_refused_even_for_the_same_json(shopify, client):
    # The raw bytes are what is signed: the same JSON spaced differently is another body.
    spaced = json.dumps(BODY, indent=2).encode()
    compact = json.dumps(BODY, separators=(",", ":")).encode()
    response = shopify_post(client, spaced, signature=sign(SHOPIFY_SECRET, compact))
    assert response.status_code == 401
    assert not PlatformDelivery.objects.exists()


def test_a_signed_delivery_is_stored_with_its_topic_id_and_body_and_answered_200(shopify, client):
    raw = json.dumps(BODY, indent=2).encode()

    response = shopify_post(client, raw, topic="orders/create", webhook_id="wh-1")

    assert response.status_code == 200
    assert response.json()["received"] is True
    delivery = PlatformDelivery.objects.get()
    assert (delivery.platform, delivery.topic, delivery.delivery_id) == (
        "shopify",
        "orders/create",
        "wh-1",
    )
    assert delivery.raw_body == raw.decode()
    assert delivery.platform_order_id == "820982911946154508"
    assert delivery.headers["X-Shopify-Shop-Domain"] == "lan-shop.myshopify.com"
    assert not any("hmac" in name.lower() for name in delivery.headers)
    shopify.refresh_from_db()
    assert shopify.shop_domain == "lan-shop.myshopify.com"


def test_header_names_in_any_case_are_read(shopify, client):
    raw = json.dumps(BODY).encode()
    response = client.post(
        "/api/v1/connectors/shopify/lan/",
        data=raw,
        content_type="application/json",
        headers={
            "x-shopify-hmac-sha256": sign(SHOPIFY_SECRET, raw),
            "X-SHOPIFY-TOPIC": "orders/updated",
            "x-Shopify-webhook-ID": "wh-case",
        },
    )
    assert response.status_code == 200
    delivery = PlatformDelivery.objects.get()
    assert (delivery.topic, delivery.delivery_id) == ("orders/updated", "wh-case")


def test_the_service_reads_header_names_in_any_case(woo):
    raw = json.dumps(BODY).encode()
    receipt = delivery_receive(
        connection=woo,
        headers={
            "x-wc-webhook-signature": sign(WOO_SECRET, raw),
            "X-WC-WEBHOOK-TOPIC": "order.updated",
            "x-wc-webhook-delivery-id": "d-1",
        },
        body=raw,
    )
    assert receipt.status == "stored"
    assert (receipt.delivery.topic, receipt.delivery.delivery_id) == ("order.updated", "d-1")


def test_a_delivery_id_seen_before_is_answered_200_and_not_stored_again(shopify, client):
    first = shopify_post(client, BODY, webhook_id="wh-7")
    again = shopify_post(client, BODY, webhook_id="wh-7")

    assert first.status_code == again.status_code == 200
    assert again.json()["status"] == "repeat"
    assert PlatformDelivery.objects.count() == 1


def test_without_a_delivery_id_the_body_itself_is_the_id(shopify, client):
    shopify_post(client, BODY, webhook_id=None)
    shopify_post(client, BODY, webhook_id=None)
    assert PlatformDelivery.objects.count() == 1
    assert len(PlatformDelivery.objects.get().delivery_id) == 64


def test_woocommerce_ids_shared_within_a_second_do_not_hide_a_different_delivery(
    woo, client, django_capture_on_commit_callbacks
):
    # WooCommerce's delivery id hashes the webhook and the current second only.
    with django_capture_on_commit_callbacks(execute=True):
        woo_post(client, payload_bytes("woocommerce_order_processing"), delivery_id="same-second")
    with django_capture_on_commit_callbacks(execute=True):
        woo_post(client, {"id": 1, "status": "completed"}, delivery_id="same-second")
    again = woo_post(client, {"id": 1, "status": "completed"}, delivery_id="same-second")

    assert PlatformDelivery.objects.count() == 2
    # The repeat is answered with its own delivery's outcome, not the first body's.
    second = PlatformDelivery.objects.exclude(delivery_id="same-second").get()
    assert again.json()["status"] == "repeat"
    assert (PlatformDelivery.objects.get(delivery_id="same-second").outcome, second.outcome) == (
        DeliveryOutcome.APPLIED,
        DeliveryOutcome.FAILED,
    )
    assert again.json().get("outcome") == DeliveryOutcome.FAILED


def test_the_woocommerce_ping_is_answered_200_and_nothing_is_kept(woo, client):
    response = client.post(
        "/api/v1/connectors/woocommerce/lan/",
        data="webhook_id=12",
        content_type="application/x-www-form-urlencoded",
        headers={"User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)"},
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ping"
    assert not PlatformDelivery.objects.exists()


def test_an_unsigned_woocommerce_body_that_is_not_the_ping_is_401(woo, client):
    response = client.post(
        "/api/v1/connectors/woocommerce/lan/",
        data="webhook_id=12&status=completed",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 401
    assert not PlatformDelivery.objects.exists()


def test_a_signed_body_that_is_not_json_is_kept_as_failed_and_answered_200(shopify, client):
    response = shopify_post(client, b"{not json", webhook_id="wh-bad")

    assert response.status_code == 200
    delivery = PlatformDelivery.objects.get()
    assert delivery.outcome == DeliveryOutcome.FAILED
    assert delivery.needs_attention
    assert "not JSON" in delivery.error


def test_a_topic_we_do_not_apply_is_kept_as_ignored(shopify, client):
    response = shopify_post(client, BODY, topic="products/update")

    assert response.status_code == 200
    delivery = PlatformDelivery.objects.get()
    assert delivery.outcome == DeliveryOutcome.IGNORED
    assert not delivery.needs_attention


def test_an_unknown_storefront_or_platform_is_a_json_404(shopify, client):
    for code, platform in (("nope", "shopify"), ("lan", "woocommerce"), ("lan", "magento")):
        response = client.post(
            f"/api/v1/connectors/{platform}/{code}/", data=b"{}", content_type="application/json"
        )
        assert response.status_code == 404
        assert error_code(response) == "not_found"


def test_an_inactive_connection_is_a_404(shopify, client):
    PlatformConnection.objects.update(is_active=False)
    assert shopify_post(client, BODY).status_code == 404


def test_no_csrf_token_or_session_is_needed(shopify):
    client = Client(enforce_csrf_checks=True)
    assert shopify_post(client, BODY).status_code == 200


def test_a_body_over_the_upload_limit_is_a_json_413(shopify, client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = shopify_post(client, {"id": 1, "note": "x" * 2000})

    assert response.status_code == 413
    assert "error" in response.json()
    assert not PlatformDelivery.objects.exists()
