"""What a transition reads: the order's row, its storefront as it is now, the teams.

The storefront row cache itself is tested with orders.locking (test_locking.py).
"""

import pytest
from django.db import connection

from orders.models import Department, ManagementMode, Team
from orders.services import order_transition

from .factories import StorefrontFactory, order_new, order_pick_everything

pytestmark = pytest.mark.django_db


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
    order_pick_everything(order)

    # The test's transaction makes a savepoint of the service's: SAVEPOINT, the lock
    # (order, storefront's updated_at, teams), UPDATE, the event, RELEASE; and
    # fulfillment's everything_picked guard (picks, supplier lines, order lines), which
    # django-fsm evaluates twice: when the transition is offered and when it runs.
    with django_assert_num_queries(11):
        order = order_transition(order=order.pk, transition="start_packing", actor=None)

    assert order.status == "packing"
    assert order.team_id == packers.pk
