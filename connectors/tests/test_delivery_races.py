"""Two deliveries of one platform order applied at the same moment: one order, nothing lost."""

import json
import threading

import pytest
from celery import current_app
from django.db import connection, connections

from connectors.models import DeliveryOutcome, PlatformDelivery
from connectors.services import deliveries
from connectors.services.deliveries import delivery_apply
from orders.models import Order

from .platform_requests import connected_storefront, order_body, ours_read, shopify_post


@pytest.fixture(autouse=True)
def stand_in_readers(monkeypatch):
    monkeypatch.setitem(deliveries.READERS, "shopify", ours_read)


def stored(client, body, *, topic: str, webhook_id: str) -> PlatformDelivery:
    """Store a delivery without applying it (nothing runs after commit inside the test)."""
    response = shopify_post(client, body, topic=topic, webhook_id=webhook_id)
    assert response.status_code == 200
    return PlatformDelivery.objects.get(delivery_id=webhook_id)


@pytest.mark.django_db
def test_a_creation_that_loses_the_race_for_the_external_id_becomes_an_update(client, monkeypatch):
    connected_storefront("shopify")
    first = stored(client, order_body(), topic="orders/create", webhook_id="a")
    second = stored(client, order_body(tax_total="3.35"), topic="orders/create", webhook_id="b")
    delivery_apply(first.pk)
    # As if the other delivery's order was committed just after this one looked for it.
    real_lookup = deliveries._order_locked
    calls = []

    def not_there_the_first_time(storefront, platform_order_id):
        calls.append(platform_order_id)
        return None if len(calls) == 1 else real_lookup(storefront, platform_order_id)

    monkeypatch.setattr(deliveries, "_order_locked", not_there_the_first_time)

    second = delivery_apply(second.pk)

    assert second.outcome == DeliveryOutcome.APPLIED, second.error
    assert Order.objects.count() == 1
    assert str(Order.objects.get().tax_total) == "3.35"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
)
def test_two_deliveries_of_one_order_applied_at_once_make_one_order():
    connection_row = connected_storefront("shopify")
    # Rows as receiving stores them; here nothing applies them until the threads do.
    first, second = (
        PlatformDelivery.objects.create(
            connection=connection_row,
            platform="shopify",
            topic=topic,
            delivery_id=topic,
            raw_body=json.dumps(body),
        )
        for topic, body in (
            ("orders/create", order_body()),
            (
                "orders/updated",
                order_body(shipping_price="6.00", updated_at="2026-12-05T11:00:00+00:00"),
            ),
        )
    )
    # The apps' task modules imported once here: two threads importing them at their first
    # eager task would race inside Celery's autodiscovery, which is not what is tested.
    current_app.loader.import_default_modules()
    start = threading.Barrier(2)
    results: list[str] = []

    def apply(delivery_id: int) -> None:
        try:
            start.wait()
            results.append(delivery_apply(delivery_id).outcome)
        except Exception as error:  # the assertion below names it
            results.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply, args=(pk,)) for pk in (first.pk, second.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Order.objects.count() == 1
    # The creation is applied, or ignored when the later update got there first and created it.
    assert set(results) <= {DeliveryOutcome.APPLIED, DeliveryOutcome.IGNORED}, results
    assert DeliveryOutcome.APPLIED in results
    # Whichever came first, the later change (shipping 6.00) is what the order says.
    assert str(Order.objects.get().shipping_price) == "6.00"
