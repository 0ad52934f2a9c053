"""Applying stored deliveries: creation, edits, cancellations, payments, refusals, failures.

The platform's body is read here by a stand-in reader in our own terms
(`platform_requests.ours_read`), so these tests pin the apply rules alone; the
real Shopify and WooCommerce payloads go end to end in test_platform_payloads_e2e.py.
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from connectors.models import DeliveryOutcome, PlatformDelivery
from connectors.selectors import deliveries_needing_attention, delivery_list
from connectors.services import deliveries
from connectors.services.deliveries import delivery_apply, delivery_reapply, delivery_resolve
from connectors.tasks import deliveries_apply_waiting
from orders.models import Order, OrderEvent, OrderStatus, PaymentStatus
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import order_pick_everything, order_step, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind
from shared.errors import TransitionPermissionDenied

from .platform_requests import connected_storefront, order_body, ours_read, shopify_post, woo_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stand_in_readers(monkeypatch):
    monkeypatch.setitem(deliveries.READERS, "shopify", ours_read)
    monkeypatch.setitem(deliveries.READERS, "woocommerce", ours_read)
    monkeypatch.setitem(deliveries.DELETED_ID_READERS, "woocommerce", lambda body: str(body["id"]))


@pytest.fixture
def shopify(db):
    return connected_storefront("shopify")


_ids = iter(range(1, 10**6))


def send(client, capture, body, *, topic="orders/create", woo=False):
    """Deliver `body` and run what was scheduled after commit (the apply task, in process)."""
    with capture(execute=True):
        post = woo_post if woo else shopify_post
        id_name = "delivery_id" if woo else "webhook_id"
        response = post(client, body, topic=topic, **{id_name: f"delivery-{next(_ids)}"})
    assert response.status_code == 200, response.content
    return PlatformDelivery.objects.order_by("-id").first(), response


def the_order() -> Order:
    return Order.objects.get(external_id="820982911946154508")


@pytest.mark.django_db(transaction=True)
def test_a_new_order_exists_when_the_platform_gets_its_200(client):
    # Committed for real, as in production: the apply task runs (in process, no
    # broker) when the delivery's transaction commits, before the answer is sent.
    connected_storefront("shopify")
    response = shopify_post(client, order_body())

    assert response.json()["outcome"] == "applied"
    delivery = PlatformDelivery.objects.get()
    order = the_order()
    assert delivery.order_id == order.pk
    assert order.total == Decimal("37.34")  # 2 x 12.50 + 8.99 - 3.00 + 4.00 + 2.35
    assert order.platform_reference == "#1001"
    assert order.payment_status == PaymentStatus.PAID
    assert sorted((line.sku, line.quantity) for line in order.lines.all()) == [
        ("MUG-1", 2),
        ("TEA-7", 1),
    ]
    assert order.shipping_address.province == "Ho Chi Minh"
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid == order.total


def test_an_update_becomes_one_edit_with_its_history(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    changed = order_body(
        lines=[
            {"sku": "MUG-1", "name": "Mug", "quantity": 3, "unit_price": "12.50"},
            {"sku": "SPOON-2", "name": "Spoon", "quantity": 1, "unit_price": "1.25"},
        ],
        shipping_address={**order_body()["shipping_address"], "line1": "99 Nguyen Hue"},
        updated_at="2026-12-05T11:00:00+00:00",
    )

    delivery, _ = send(client, django_capture_on_commit_callbacks, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = the_order()
    assert {line.sku: line.quantity for line in order.lines.all() if line.quantity} == {
        "MUG-1": 3,
        "SPOON-2": 1,
    }
    assert order.shipping_address.line1 == "99 Nguyen Hue"
    assert order.total == Decimal(changed["total"])
    assert OrderEvent.objects.filter(order=order, reason="Changed on Shopify (#1001)").exists()
    # Paid on the platform: the lower total came back as a refund, booked in the ledger.
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded


def test_an_update_that_changes_nothing_is_ignored(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    delivery, _ = send(
        client, django_capture_on_commit_callbacks, order_body(), topic="orders/updated"
    )
    assert delivery.outcome == DeliveryOutcome.IGNORED
    assert not delivery.needs_attention


def test_an_update_after_packing_started_is_refused_and_flagged_and_the_order_unchanged(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    order = the_order()
    for step in ("confirm", "start_picking"):
        order = order_step(order, step)
    order = order_pick_everything(order)
    order = order_step(order, "start_packing")
    before = (order.total, order.version)
    changed = order_body(
        lines=[{"sku": "MUG-1", "name": "Mug", "quantity": 1, "unit_price": "12.50"}],
        updated_at="2026-12-05T11:00:00+00:00",
    )

    delivery, _ = send(client, django_capture_on_commit_callbacks, changed, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.REFUSED and delivery.needs_attention
    assert "Packing has started" in delivery.error
    order = the_order()
    assert (order.total, order.version) == before
    assert list(deliveries_needing_attention()) == [delivery]


def test_an_update_older_than_what_was_applied_is_ignored(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    newer = order_body(shipping_price="6.00", updated_at="2026-12-05T12:00:00+00:00")
    older = order_body(shipping_price="5.00", updated_at="2026-12-05T11:00:00+00:00")
    send(client, django_capture_on_commit_callbacks, newer, topic="orders/updated")

    delivery, _ = send(client, django_capture_on_commit_callbacks, older, topic="orders/updated")

    assert delivery.outcome == DeliveryOutcome.IGNORED
    assert "Older than what was applied" in delivery.error
    assert the_order().shipping_price == Decimal("6.00")


def test_a_cancellation_cancels_and_a_second_one_is_ignored(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    cancelled = order_body(cancelled=True, updated_at="2026-12-05T11:00:00+00:00")

    first, _ = send(client, django_capture_on_commit_callbacks, cancelled, topic="orders/cancelled")
    again, _ = send(client, django_capture_on_commit_callbacks, cancelled, topic="orders/updated")

    order = the_order()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason.startswith("Cancelled on Shopify")
    assert "(#1001)" in order.cancel_reason
    assert first.outcome == DeliveryOutcome.APPLIED
    assert again.outcome == DeliveryOutcome.IGNORED
    # Paid: cancelling refunded it, and the ledger says so.
    assert order.payment_status == PaymentStatus.REFUNDED
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded == order.amount_paid


def test_the_cancelled_topic_cancels_even_if_the_body_does_not_say_so(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    send(client, django_capture_on_commit_callbacks, order_body(), topic="orders/cancelled")
    assert the_order().status == OrderStatus.CANCELLED


def test_a_cancellation_after_shipping_is_refused(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    order = the_order()
    for step in ("confirm", "start_picking", "start_packing", "mark_ready_to_ship", "ship"):
        order = order_step(order, step)

    delivery, _ = send(
        client, django_capture_on_commit_callbacks, order_body(), topic="orders/cancelled"
    )

    assert delivery.outcome == DeliveryOutcome.REFUSED and delivery.needs_attention
    assert the_order().status == OrderStatus.SHIPPED


def test_an_order_cancelled_before_it_reached_us_is_created_cancelled(
    shopify, client, django_capture_on_commit_callbacks
):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(cancelled=True))

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    order = the_order()
    assert delivery.order_id == order.pk
    assert order.status == OrderStatus.CANCELLED
    assert order.total == Decimal("37.34")
    assert "Cancelled on Shopify" in order.cancel_reason


def test_woocommerce_deleted_cancels_the_order(db, client, django_capture_on_commit_callbacks):
    connected_storefront("woocommerce")
    send(client, django_capture_on_commit_callbacks, order_body(), topic="order.created", woo=True)

    delivery, _ = send(
        client,
        django_capture_on_commit_callbacks,
        {"id": 820982911946154508},
        topic="order.deleted",
        woo=True,
    )

    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    assert the_order().status == OrderStatus.CANCELLED
    assert "Deleted on WooCommerce" in the_order().cancel_reason


def test_a_second_creation_delivery_for_the_same_order_is_an_update(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(tax_total="3.35"))
    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    assert Order.objects.count() == 1
    assert the_order().tax_total == Decimal("3.35")


def test_platform_refunds_become_refunds_and_the_ledger_equals_the_payment_fields(
    shopify, client, django_capture_on_commit_callbacks
):
    send(client, django_capture_on_commit_callbacks, order_body())
    refunded = order_body(
        payment_status="partially_refunded",
        amount_refunded="10.00",
        updated_at="2026-12-05T11:00:00+00:00",
    )
    delivery, _ = send(client, django_capture_on_commit_callbacks, refunded, topic="orders/updated")

    order = the_order()
    assert delivery.outcome == DeliveryOutcome.APPLIED, delivery.error
    assert order.amount_refunded == Decimal("10.00")
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded


def test_an_unpaid_order_paid_later_on_the_platform_is_captured(
    shopify, client, django_capture_on_commit_callbacks
):
    send(
        client,
        django_capture_on_commit_callbacks,
        order_body(payment_method="cod", payment_status="unpaid"),
    )
    assert the_order().payment_status == PaymentStatus.UNPAID
    paid = order_body(
        payment_method="cod", payment_status="paid", updated_at="2026-12-05T11:00:00+00:00"
    )
    send(client, django_capture_on_commit_callbacks, paid, topic="orders/updated")

    order = the_order()
    assert order.payment_status == PaymentStatus.PAID
    # Cash on delivery: collected now, earned when delivered (reports.ledger).
    assert ledger_balance(order, LedgerKind.COD_COLLECTED) == order.amount_paid == order.total


def test_another_currency_fails_and_applies_once_the_storefront_is_corrected(
    shopify, client, django_capture_on_commit_callbacks
):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(currency="EUR"))
    assert delivery.outcome == DeliveryOutcome.FAILED and delivery.needs_attention
    assert "EUR" in delivery.error
    assert not Order.objects.exists()

    storefront = shopify.storefront
    storefront.currency = "EUR"
    storefront.save(update_fields=["currency"])
    delivery = delivery_reapply(delivery, actor=user_with_role(MANAGER, is_superuser=True))

    assert delivery.outcome == DeliveryOutcome.APPLIED
    assert not delivery.needs_attention
    assert delivery.attempts == 2
    assert the_order().currency == "EUR"


def test_totals_that_do_not_add_up_fail_and_write_nothing(
    shopify, client, django_capture_on_commit_callbacks
):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(total="99.99"))
    assert delivery.outcome == DeliveryOutcome.FAILED
    assert "99.99" in delivery.error
    assert not Order.objects.exists()


def test_an_unexpected_error_is_kept_on_the_delivery_and_nothing_is_half_written(
    shopify, client, django_capture_on_commit_callbacks, monkeypatch
):
    def broken_follow(order_pk, platform_order):
        raise RuntimeError("the payment gateway table is on fire")

    monkeypatch.setattr(deliveries, "_payment_follow", broken_follow)
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body())

    assert delivery.outcome == DeliveryOutcome.FAILED
    assert "RuntimeError: the payment gateway table is on fire" in delivery.error
    assert not Order.objects.exists()  # the order created before the failure rolled back


def test_applying_again_needs_the_permission(shopify, client, django_capture_on_commit_callbacks):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(currency="EUR"))
    with pytest.raises(TransitionPermissionDenied):
        delivery_reapply(delivery, actor=user_with_role(WAREHOUSE))
    with pytest.raises(TransitionPermissionDenied):
        delivery_resolve(delivery, actor=user_with_role(WAREHOUSE))


def test_marking_dealt_with_clears_the_flag_and_says_who(
    shopify, client, django_capture_on_commit_callbacks
):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body(currency="EUR"))
    person = user_with_role(MANAGER, is_superuser=True)

    delivery = delivery_resolve(delivery, actor=person)

    delivery.refresh_from_db()
    assert not delivery.needs_attention
    assert delivery.resolved_by == person and delivery.resolved_at is not None
    assert not deliveries_needing_attention().exists()
    assert list(delivery_list(outcome="failed")) == [delivery]


def test_a_delivery_applied_already_is_not_applied_again_by_the_task(
    shopify, client, django_capture_on_commit_callbacks
):
    delivery, _ = send(client, django_capture_on_commit_callbacks, order_body())
    assert delivery_apply(delivery.pk).attempts == 1


def test_the_sweeper_applies_deliveries_whose_task_was_lost(shopify, client, settings):
    # Stored without running what was scheduled after commit: the task was lost.
    shopify_post(client, order_body(), webhook_id="lost")
    delivery = PlatformDelivery.objects.get()
    assert delivery.outcome == DeliveryOutcome.RECEIVED
    PlatformDelivery.objects.update(received_at=timezone.now() - timezone.timedelta(minutes=10))

    deliveries_apply_waiting()

    delivery.refresh_from_db()
    assert delivery.outcome == DeliveryOutcome.APPLIED
    assert the_order().pk == delivery.order_id
