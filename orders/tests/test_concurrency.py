"""Two people moving one order at the same moment: exactly one wins, nothing is lost.

These need real row locks, so they run on PostgreSQL (CI sets DATABASE_URL);
SQLite serialises whole-database writes and cannot show the race.
"""

import threading

import pytest
from django.db import connection, connections

from orders.models import Order, OrderEventType, OrderStatus
from orders.services import order_transition
from shared.errors import OrderError, StaleOrderVersion

from .factories import order_new

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock races need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
    ),
]


def run_in_thread(target, results: list, *args) -> threading.Thread:
    def body():
        try:
            results.append(("ok", target(*args)))
        except OrderError as error:
            results.append((error.code, error))
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def wait_for_lock_waiter(timeout: float = 10.0) -> None:
    """Block until some other session waits on a row lock (proves the race really happened)."""
    import time

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second transition never waited for the row lock")


def test_second_concurrent_confirm_waits_for_the_lock_then_gets_a_conflict():
    order = order_new()
    first_applied = threading.Event()
    second_is_waiting = threading.Event()
    results: list = []

    def first():
        from django.db import transaction

        with transaction.atomic():
            changed = order_transition(order=order.pk, transition="confirm", actor=None)
            first_applied.set()
            # Keep the row locked until the second caller is provably blocked on it.
            assert second_is_waiting.wait(10)
        return changed

    def second():
        assert first_applied.wait(10)
        return order_transition(order=order.pk, transition="confirm", actor=None)

    threads = [run_in_thread(first, results), run_in_thread(second, results)]
    wait_for_lock_waiter()
    second_is_waiting.set()
    for thread in threads:
        thread.join(20)

    assert sorted(code for code, _ in results) == ["invalid_transition", "ok"]
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.version) == (OrderStatus.PROCESSING, 2)
    assert stored.events.filter(transition="confirm").count() == 1


def test_many_simultaneous_transitions_one_winner():
    order = order_new()
    barrier = threading.Barrier(8)
    results: list = []

    def attempt(transition, reason):
        barrier.wait(10)
        return order_transition(
            order=order.pk, transition=transition, actor=None, reason=reason, expected_version=1
        )

    attempts = [("confirm", ""), ("cancel", "duplicate order")] * 4
    threads = [run_in_thread(attempt, results, name, reason) for name, reason in attempts]
    for thread in threads:
        thread.join(30)

    codes = [code for code, _ in results]
    assert len(codes) == 8
    assert codes.count("ok") == 1
    assert set(codes) - {"ok"} == {"precondition_failed"}
    stored = Order.objects.get(pk=order.pk)
    assert stored.version == 2
    assert stored.events.exclude(event_type=OrderEventType.CREATED).count() == 1


def test_stale_version_after_a_concurrent_change_is_refused():
    order = order_new()
    order_transition(order=order.pk, transition="confirm", actor=None)

    with pytest.raises(StaleOrderVersion):
        order_transition(
            order=order.pk, transition="cancel", actor=None, reason="late", expected_version=1
        )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PROCESSING
