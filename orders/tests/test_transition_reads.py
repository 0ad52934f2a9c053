"""What a transition reads: the order's row, its storefront as it is now, the teams."""

import pytest
from django.db import connection
from django.utils import timezone

from orders.models import Department, ManagementMode, Storefront, Team
from orders.services import order_transition
from webhooks.models import WebhookEvent

from .factories import StorefrontFactory, order_new

pytestmark = pytest.mark.django_db


def confirmed(storefront):
    order = order_new(storefront=storefront)
    return order_transition(order=order, transition="confirm", actor=None)


def _webhook_rows(order) -> int:
    return WebhookEvent.objects.filter(order=order).count()


def test_a_storefront_saved_here_is_seen_by_the_next_transition():
    storefront = StorefrontFactory()
    order = order_transition(
        order=order_new(storefront=storefront), transition="confirm", actor=None
    )
    assert _webhook_rows(order) == 0

    storefront.webhook_url = "https://shop.example/hooks"
    storefront.save()
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert _webhook_rows(order) == 1
    assert order.storefront.webhook_url == "https://shop.example/hooks"


def test_a_storefront_changed_elsewhere_is_seen_by_its_new_updated_at():
    # As another process would: no signal reaches this one, only the row changes.
    storefront = StorefrontFactory()
    order = confirmed(storefront)

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Storefront._meta.db_table} SET webhook_url = %s, updated_at = %s "  # noqa: S608
            "WHERE id = %s",
            ["https://shop.example/hooks", timezone.now(), storefront.pk],
        )
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert _webhook_rows(order) == 1


def test_a_queryset_update_of_storefronts_moves_their_updated_at():
    storefront = StorefrontFactory()
    order = confirmed(storefront)
    before = Storefront.objects.get(pk=storefront.pk).updated_at

    Storefront.objects.filter(pk=storefront.pk).update(webhook_url="https://shop.example/hooks")
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert Storefront.objects.get(pk=storefront.pk).updated_at > before
    assert _webhook_rows(order) == 1


def test_each_transition_gets_its_own_storefront_instance():
    storefront = StorefrontFactory()
    first = order_transition(
        order=order_new(storefront=storefront), transition="confirm", actor=None
    )
    first.storefront.name = "changed in memory only"

    second = order_transition(order=first, transition="start_picking", actor=None)

    assert second.storefront is not first.storefront
    assert second.storefront.name == storefront.name


def test_an_unknown_order_is_refused():
    from shared.errors import OrderValidationError

    with pytest.raises(OrderValidationError, match="does not exist"):
        order_transition(order=10**12, transition="confirm", actor=None)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="one statement reads the teams with the order on PostgreSQL only (CI runs it)",
)
def test_a_by_function_transition_reads_order_storefront_and_teams_in_one_statement(
    django_assert_num_queries,
):
    floor = Department.objects.create(name="Floor", code="floor", stages=["picking"])
    Team.objects.create(name="Pickers", code="pickers", department=floor)
    bench = Department.objects.create(name="Bench", code="bench", stages=["packing"])
    packers = Team.objects.create(name="Packers", code="packers", department=bench)
    storefront = StorefrontFactory(management_mode=ManagementMode.BY_FUNCTION)
    order = order_transition(
        order=order_new(storefront=storefront), transition="confirm", actor=None
    )
    order_transition(order=order, transition="start_picking", actor=None)  # warm: storefront read
    order.refresh_from_db()
    order_transition(order=order, transition="hold", reason="stock_shortage", actor=None)
    order_transition(order=order, transition="release", actor=None)

    # The test's transaction makes a savepoint of the service's: SAVEPOINT, the lock
    # (order, storefront's updated_at, teams), UPDATE, the event, RELEASE.
    with django_assert_num_queries(5):
        order = order_transition(order=order.pk, transition="start_packing", actor=None)

    assert order.status == "packing"
    assert order.team_id == packers.pk
