"""An order arriving while its customer is being erased gets a new customer, never the erased one.

Needs real row locks, so it runs on PostgreSQL only (as orders/tests/test_concurrency.py).
"""

import threading

import pytest
from django.db import connection

from customers.models import Customer
from orders.roles import MANAGER
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role
from orders.tests.test_concurrency import run_in_thread, wait_for_lock_waiter
from privacy import services as privacy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
    ),
]


def test_an_order_during_the_erasure_waits_and_then_creates_a_new_customer(monkeypatch):
    from orders.tests.factories import order_new

    storefront = StorefrontFactory()
    order_in_state("completed", storefront=storefront)
    erased = Customer.objects.get()
    manager = user_with_role(MANAGER)
    inside_erasure, finish_erasure = threading.Event(), threading.Event()
    scrub = privacy._admin_log_scrub

    def paused_scrub(*args):
        # Inside the erasure's transaction, with the customer's row locked.
        inside_erasure.set()
        assert finish_erasure.wait(10)
        return scrub(*args)

    monkeypatch.setattr(privacy, "_admin_log_scrub", paused_scrub)
    erasure_results, order_results = [], []
    erasure = run_in_thread(
        lambda: privacy.customer_erase(customer=erased, actor=manager, reason="Request"),
        erasure_results,
    )
    assert inside_erasure.wait(10)
    new_order = run_in_thread(lambda: order_new(storefront=storefront), order_results)
    wait_for_lock_waiter()
    finish_erasure.set()
    erasure.join(10)
    new_order.join(10)

    assert erasure_results[0][0] == "ok"
    assert order_results[0][0] == "ok"
    order = order_results[0][1]
    erased.refresh_from_db()
    assert order.customer_id != erased.pk
    assert order.customer.email == "lan@example.com"
    assert (erased.name, erased.phone) == ("Erased customer", "")
    assert erased.orders.count() == 1
