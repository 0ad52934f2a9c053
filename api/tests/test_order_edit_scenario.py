"""The issue's check, end to end through the API: a storefront edits a paid card order.

It lowers a quantity (the difference refunded, a ledger entry, one `order.updated`
webhook with the change, one e-mail), adds a line (a balance due; `ship` refused
until staff capture it), tries to lower a packed line (409) and edits with a
stale `If-Match` (412). After every step the ledger equals the payment fields and
the total equals the lines plus shipping.
"""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Notification, NotificationKind
from orders.models import Order, OrderLine
from orders.roles import FINANCE, MANAGER
from orders.services import storefront_create
from orders.tests.factories import order_book_shipment, order_pick_everything, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind
from webhooks.models import WebhookEvent, WebhookEventType

from .conftest import create, order_body

pytestmark = pytest.mark.django_db


def _staff(role: str) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user_with_role(role)).key}"
    )
    return client


def _agrees(number: str) -> Order:
    order = Order.objects.get(number=number)
    lines = sum(line.line_total for line in OrderLine.objects.filter(order=order))
    assert order.total == lines + order.shipping_price
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded
    return order


def _step(staff: APIClient, number: str, transition: str, version: int):
    return staff.post(
        f"/api/v1/orders/{number}/transitions/",
        {"transition": transition},
        format="json",
        HTTP_IF_MATCH=f'"{version}"',
    )


def test_a_storefront_edits_a_paid_order_as_the_issue_checks():
    _storefront, key = storefront_create(name="Lan's Shop", webhook_url="https://shop.example/h")
    shop = APIClient()
    shop.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    manager, finance = _staff(MANAGER), _staff(FINANCE)
    created = create(shop, order_body(payment_method="card", payment_status="paid")).json()
    number = created["number"]

    # 1. Lower a quantity: the difference goes back to the card.
    lowered = shop.post(
        f"/api/v1/orders/{number}/edits/",
        {"reason": "One mug is enough", "lines": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
        HTTP_IF_MATCH=f'"{created["version"]}"',
    )
    assert lowered.status_code == 200, lowered.json()
    assert lowered.json()["amount_refunded"] == "120000.00"
    order = _agrees(number)
    updated = WebhookEvent.objects.get(order=order, event_type=WebhookEventType.ORDER_UPDATED)
    assert {"field": "lines[MUG-1].quantity", "from": "2", "to": "1"} in updated.payload["data"][
        "changes"
    ]
    mails = Notification.objects.filter(order=order)
    assert mails.filter(kind=NotificationKind.ORDER_EDITED).count() == 1
    assert not mails.filter(kind=NotificationKind.REFUND_ISSUED).exists()  # told in the edit's

    # 2. A stale If-Match: 412, nothing written.
    stale = shop.post(
        f"/api/v1/orders/{number}/edits/",
        {"reason": "r", "customer": {"name": "Lan"}},
        format="json",
        HTTP_IF_MATCH=f'"{created["version"]}"',
    )
    assert stale.status_code == 412
    assert stale.json()["error"]["code"] == "precondition_failed"

    # 3. Add a line: a balance is due.
    added = shop.post(
        f"/api/v1/orders/{number}/edits/",
        {
            "reason": "And a vase",
            "lines": [{"sku": "VASE-3", "quantity": 1, "name": "Vase", "unit_price": "300000"}],
        },
        format="json",
    )
    assert added.status_code == 200 and added.json()["balance_due"] == "300000.00"
    _agrees(number)

    # The warehouse picks and packs everything; then one packed mug cannot be taken off.
    version = added.json()["version"]
    for transition in ("confirm", "start_picking"):
        answer = _step(manager, number, transition, version)
        assert answer.status_code == 200, answer.json()
        version = answer.json()["version"]
    order_pick_everything(Order.objects.get(number=number))
    version = Order.objects.get(number=number).version
    answer = _step(manager, number, "start_packing", version)
    assert answer.status_code == 200, answer.json()
    manager.post(
        f"/api/v1/orders/{number}/packages/",
        {
            "weight_grams": 900,
            "lines": [
                {"sku": "MUG-1", "quantity": 1},
                {"sku": "TEA-7", "quantity": 1},
                {"sku": "VASE-3", "quantity": 1},
            ],
        },
        format="json",
    )
    packed = shop.post(
        f"/api/v1/orders/{number}/cancel/",
        {"reason": "r", "lines": [{"sku": "MUG-1", "quantity": 1}]},
        format="json",
    )
    assert packed.status_code == 409
    assert packed.json()["error"] == {
        "code": "conflict",
        "message": "MUG-1: 1 are packed; the quantity cannot go below 1.",
        "details": {"lines": ["MUG-1: 1 are packed; the quantity cannot go below 1."]},
    }

    # 4. Ship is refused until the balance is captured; then it ships.
    order = Order.objects.get(number=number)
    answer = _step(manager, number, "mark_ready_to_ship", order.version)
    assert answer.status_code == 200, answer.json()
    order = order_book_shipment(Order.objects.get(number=number))
    refused = _step(manager, number, "ship", order.version)
    assert refused.status_code == 409
    assert "A balance of ₫300,000 is still due" in refused.json()["error"]["message"]
    captured = _step(finance, number, "capture_payment", order.version)
    assert captured.status_code == 200, captured.json()
    order = _agrees(number)
    assert order.balance_due == 0
    assert ledger_balance(order, LedgerKind.REVENUE) == Decimal("655001.00")
    shipped = _step(manager, number, "ship", order.version)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
