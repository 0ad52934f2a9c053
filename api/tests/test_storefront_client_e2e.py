"""A storefront client written only from DESIGN.md, over real HTTP against a live server.

It creates, retries, lists, pages, reads, cancels, trespasses and sends garbage,
while a real webhook receiver on localhost checks every event's signature.
"""

import hashlib
import hmac
import io
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.core.management import call_command

from orders.tests.factories import user_with_role
from webhooks.tests.test_webhooks import Receiver

pytestmark = pytest.mark.django_db(transaction=True)


class Storefront:
    """The client a shop developer would write from the contract."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.headers = {"Authorization": f"Api-Key {key}"}

    def call(self, method: str, path: str, body=None, *, raw: bytes | None = None, **headers):
        url = path if path.startswith("http") else self.base_url + path
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", **self.headers, **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read()), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read()), dict(error.headers)

    def create(self, body: dict, key: str | None = None):
        idempotency_key = key or str(uuid.uuid4())
        return self.call("POST", "/api/v1/orders/", body, **{"Idempotency-Key": idempotency_key})


def new_storefront(name: str, webhook_url: str = "") -> tuple[str, str]:
    out = io.StringIO()
    arguments = [name, "--webhook-url", webhook_url] if webhook_url else [name]
    call_command("create_storefront", *arguments, stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    return lines["API key"], lines["Webhook secret"]


def order(external_id: str, **override) -> dict:
    return {
        "external_id": external_id,
        "currency": "VND",
        "customer": {"email": "lan@example.com", "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        "shipping_address": {
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "line2": "",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        "lines": [{"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000.00"}],
        "shipping_price": "30000.00",
        "payment_method": "cod",
        "payment_status": "unpaid",
        **override,
    }


@pytest.fixture
def webhooks(settings):
    from orders_project.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # CI has a broker but no worker in this test
    settings.WEBHOOK_RETRY_IN_PROCESS = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    receiver = Receiver()
    yield receiver
    receiver.close()
    app.conf.task_always_eager = eager


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_storefront_client_against_a_live_server(live_server, webhooks):
    key, secret = new_storefront("Lan's Shop", webhooks.url)
    rival_key, _ = new_storefront("Rival Shop")
    shop = Storefront(live_server.url, key)
    rival = Storefront(live_server.url, rival_key)

    # Create, then retry with the same key: one order.
    status, created, headers = shop.create(order("WEB-1"), key="first-order")
    assert (status, created["status"], created["total"]) == (201, "received", "270000.00")
    assert headers["ETag"] == '"1"'
    status, again, headers = shop.create(order("WEB-1"), key="first-order")
    assert (status, again["number"], headers["Idempotent-Replayed"]) == (
        201,
        created["number"],
        "true",
    )
    # Same key, another body: refused.
    status, error, _ = shop.create(order("WEB-1b"), key="first-order")
    assert (status, error["error"]["code"]) == (422, "idempotency_conflict")

    # Garbage: malformed JSON and wrong types answer 400 in the documented shape.
    status, error, _ = shop.call(
        "POST", "/api/v1/orders/", raw=b'{"external_id": ', **{"Idempotency-Key": "junk"}
    )
    assert (status, error["error"]["code"]) == (400, "validation_error")
    status, error, _ = shop.create(order("WEB-X", lines=[{"sku": 5, "quantity": "many"}]))
    assert status == 400
    assert {"lines[0].quantity", "lines[0].name", "lines[0].unit_price"} <= set(
        error["error"]["details"]
    )

    # More orders, then list with each filter and page through.
    numbers = [created["number"]]
    for index in range(2, 5):
        numbers.append(shop.create(order(f"WEB-{index}"))[1]["number"])
    status, page, _ = shop.call("GET", "/api/v1/orders/?page_size=2")
    seen = [o["number"] for o in page["results"]]
    while page["next"]:
        status, page, _ = shop.call("GET", page["next"])
        seen += [o["number"] for o in page["results"]]
    assert sorted(seen) == sorted(numbers)
    assert len(shop.call("GET", "/api/v1/orders/?status=received")[1]["results"]) == 4
    assert (
        shop.call("GET", "/api/v1/orders/?external_id=WEB-3")[1]["results"][0]["number"]
        == (numbers[2])
    )
    after = "2000-01-01T00:00:00%2B07:00"
    assert len(shop.call("GET", f"/api/v1/orders/?updated_after={after}")[1]["results"]) == 4
    assert shop.call("GET", "/api/v1/orders/?status=nonsense")[0] == 400

    # Detail; the rival storefront cannot see or touch it.
    status, detail, headers = shop.call("GET", f"/api/v1/orders/{numbers[0]}/")
    assert (status, detail["events"][0]["message"]) == (200, "Order received")
    assert rival.call("GET", f"/api/v1/orders/{numbers[0]}/")[0] == 404
    assert rival.call("POST", f"/api/v1/orders/{numbers[0]}/cancel/", {"reason": "x"})[0] == 404

    # Cancel before shipping: 200.
    status, cancelled, _ = shop.call(
        "POST", f"/api/v1/orders/{numbers[1]}/cancel/", {"reason": "Customer asked"}
    )
    assert (status, cancelled["status"]) == (200, "cancelled")

    # Staff take another order all the way through the operations endpoints and the
    # carrier webhook alone: two packages, two shipments, a failed attempt held and released.
    from rest_framework.authtoken.models import Token

    from fulfillment.models import Carrier, InventoryItem

    ghn = Carrier.objects.create(name="GHN", code="ghn", webhook_secret="ghn-secret")
    manager = user_with_role("Manager")
    staff = Storefront(live_server.url, "unused")
    staff.headers = {"Authorization": f"Token {Token.objects.create(user=manager).key}"}
    number = numbers[2]
    version = None

    def run(transition, **body):
        nonlocal version
        extra = {"If-Match": f'"{version}"'} if version else {}
        answer = staff.call(
            "POST",
            f"/api/v1/orders/{number}/transitions/",
            {"transition": transition, **body},
            **extra,
        )
        if answer[0] == 200:
            version = answer[1]["version"]
        return answer

    for transition in ["confirm", "start_picking"]:
        assert run(transition)[0] == 200
    # Packing waits until every line is picked (or recorded short).
    status, refused, _ = run("start_packing")
    assert (status, refused["error"]["code"]) == (409, "invalid_transition")
    assert "Left to pick" in refused["error"]["message"]
    lines = staff.call("GET", f"/api/v1/orders/{number}/")[1]["lines"]
    for line in lines:
        InventoryItem.objects.create(sku=line["sku"], location="A-01", quantity_on_hand=10)
    status, _picks, _ = staff.call(
        "POST",
        f"/api/v1/orders/{number}/picks/",
        {"picks": [{"sku": line["sku"], "quantity": line["quantity"]} for line in lines]},
    )
    assert status == 201
    version = None  # picking changed the version; act on the current one again
    assert run("start_packing")[0] == 200
    status, package_one, _ = staff.call(
        "POST",
        f"/api/v1/orders/{number}/packages/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 450},
    )
    assert status == 201
    version = None  # packing changed the version; act on the current one again
    status, refused, _ = run("mark_ready_to_ship")
    assert (status, refused["error"]["code"]) == (409, "invalid_transition")
    assert refused["error"]["message"].endswith("Still to pack: 1 x MUG-1.")
    package_two = staff.call(
        "POST",
        f"/api/v1/orders/{number}/packages/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 450},
    )[1]
    version = None  # packing changed the version; act on the current one again
    assert run("mark_ready_to_ship")[0] == 200
    status, refused, _ = run("ship")
    assert (status, refused["error"]["code"]) == (409, "invalid_transition")
    for tracking_number, package in [("GHN-A", package_one), ("GHN-B", package_two)]:
        status, shipment, _ = staff.call(
            "POST",
            f"/api/v1/orders/{number}/shipments/",
            {"carrier": "ghn", "tracking_number": tracking_number, "packages": [package["id"]]},
        )
        assert (status, shipment["tracking_number"]) == (201, tracking_number)
    version = None
    assert run("ship")[0] == 200
    status, error, _ = shop.call("POST", f"/api/v1/orders/{number}/cancel/", {"reason": "Late"})
    assert (status, error["error"]["code"]) == (409, "invalid_transition")

    carrier = Storefront(live_server.url, "unused")
    carrier.headers = {"X-Carrier-Token": ghn.webhook_secret}

    def scan(event_id, tracking_number, status):
        return carrier.call(
            "POST",
            "/api/v1/carriers/ghn/events/",
            {
                "event_id": event_id,
                "tracking_number": tracking_number,
                "status": status,
                "occurred_at": "2026-11-20T10:00:00+07:00",
                "location": "Hồ Chí Minh",
                "message": "",
            },
        )

    wrong = Storefront(live_server.url, "unused")
    wrong.headers = {"X-Carrier-Token": "guess"}
    assert wrong.call("POST", "/api/v1/carriers/ghn/events/", {"event_id": "x"})[0] == 401
    assert scan("e1", "GHN-A", "in_transit")[1]["order_status"] == "shipped"
    assert scan("e2", "GHN-A", "failed_attempt")[1]["order_status"] == "on_hold"
    held = shop.call("GET", f"/api/v1/orders/{number}/")[1]
    assert (held["status_display"], held["events"][-1]["message"]) == (
        "Delayed",
        "Order delayed: The carrier could not deliver the parcel",
    )
    version = None
    assert run("release")[1]["status"] == "shipped"
    assert scan("e3", "GHN-A", "delivered")[1]["order_status"] == "shipped"
    status, repeated, _ = scan("e3", "GHN-A", "delivered")
    assert (status, repeated["recorded"]) == (200, False)
    assert scan("e4", "GHN-B", "delivered")[1]["order_status"] == "delivered"
    version = None
    assert run("complete")[1]["status"] == "completed"
    final = shop.call("GET", f"/api/v1/orders/{number}/")[1]
    assert [s["status"] for s in final["shipments"]] == ["delivered", "delivered"]

    # Every event reached the receiver once, signed with the storefront's secret:
    # 4 created, 10 status changes (cancel; confirm .. complete with hold and release),
    # 6 shipment updates (2 bookings, 4 new scans; the repeated scan sends nothing).
    wait_for(lambda: len(webhooks.requests) == 20)
    time.sleep(0.5)  # and nothing more arrives
    for _, headers, body in webhooks.requests:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Signature"], expected)
    types = [json.loads(body)["type"] for _, _, body in webhooks.requests]
    assert (
        types.count("order.created"),
        types.count("order.status_changed"),
        types.count("shipment.updated"),
    ) == (4, 10, 6)
    assert len(webhooks.requests) == len(set(webhooks.ids)) == 20


def test_a_webhook_answered_with_500_comes_again_with_the_same_id(live_server, webhooks):
    key, _ = new_storefront("Retry Shop", webhooks.url)
    shop = Storefront(live_server.url, key)
    webhooks.answer(500)

    status, _, _ = shop.create(order("WEB-500"))

    assert status == 201
    wait_for(lambda: len(webhooks.requests) == 2)
    first, second = webhooks.requests
    assert first[1]["X-Webhook-Id"] == second[1]["X-Webhook-Id"]
    assert first[2] == second[2]
    assert (first[1]["X-Webhook-Attempt"], second[1]["X-Webhook-Attempt"]) == ("1", "2")
    time.sleep(1.5)
    assert len(webhooks.requests) == 2  # delivered: nothing more
