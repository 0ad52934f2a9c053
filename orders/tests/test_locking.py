"""orders.locking: the one way to lock an order and its rows, and the storefront row cache."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.models import AfterSalesRequest, Package
from orders import locking
from orders.locking import order_lock, order_row_lock, order_rows_lock
from orders.models import Department, Order, OrderStatus, Storefront, Team
from orders.roles import WAREHOUSE
from orders.services import order_transition
from shared.errors import StaleOrderVersion, TransitionPermissionDenied

from .factories import StorefrontFactory, order_in_state, order_new, user_with_role

pytestmark = pytest.mark.django_db


def confirmed(storefront):
    order = order_new(storefront=storefront)
    return order_transition(order=order, transition="confirm", actor=None)


def locked_storefront(order) -> Storefront:
    with transaction.atomic():
        return order_lock(order).storefront


# -- the storefront row cache ---------------------------------------------------------


def test_a_storefront_saved_here_is_seen_by_the_next_transition():
    storefront = StorefrontFactory()
    order = confirmed(storefront)
    assert locked_storefront(order).webhook_url == ""

    storefront.webhook_url = "https://shop.example/hooks"
    storefront.save()
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert order.storefront.webhook_url == "https://shop.example/hooks"
    assert locked_storefront(order).webhook_url == "https://shop.example/hooks"


def test_a_storefront_changed_elsewhere_is_seen_by_its_new_updated_at():
    # As another process would: no signal reaches this one, only the row changes.
    storefront = StorefrontFactory()
    order = confirmed(storefront)
    assert locked_storefront(order).webhook_url == ""

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Storefront._meta.db_table} SET webhook_url = %s, updated_at = %s "  # noqa: S608
            "WHERE id = %s",
            ["https://shop.example/hooks", timezone.now(), storefront.pk],
        )
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert order.storefront.webhook_url == "https://shop.example/hooks"


def test_a_queryset_update_of_storefronts_moves_their_updated_at():
    storefront = StorefrontFactory()
    order = confirmed(storefront)
    before = Storefront.objects.get(pk=storefront.pk).updated_at

    Storefront.objects.filter(pk=storefront.pk).update(webhook_url="https://shop.example/hooks")
    order = order_transition(order=order, transition="start_picking", actor=None)

    assert Storefront.objects.get(pk=storefront.pk).updated_at > before
    assert order.storefront.webhook_url == "https://shop.example/hooks"


def test_each_transition_gets_its_own_storefront_instance():
    storefront = StorefrontFactory()
    first = confirmed(storefront)
    first.storefront.name = "changed in memory only"

    second = order_transition(order=first, transition="start_picking", actor=None)

    assert second.storefront is not first.storefront
    assert second.storefront.name == storefront.name


def test_a_known_storefront_is_not_read_again(django_assert_num_queries):
    order = confirmed(StorefrontFactory())
    locked_storefront(order)  # warm

    with django_assert_num_queries(1), transaction.atomic(savepoint=False):
        order_lock(order)


def test_a_deleted_storefront_leaves_the_cache():
    storefront = StorefrontFactory()
    locking._STOREFRONT_ROWS[storefront.pk] = (None, [], [])

    storefront.delete()

    assert storefront.pk not in locking._STOREFRONT_ROWS


# -- the order's lock and its checks --------------------------------------------------


def test_the_lock_returns_the_order_as_it_is_now():
    order = order_new()
    Order.objects.filter(pk=order.pk).update(version=7)

    with transaction.atomic():
        locked = order_lock(order.pk)

    assert (locked.pk, locked.version, locked.storefront_id) == (order.pk, 7, order.storefront_id)


def test_an_unknown_order_cannot_be_locked():
    with pytest.raises(Order.DoesNotExist), transaction.atomic():
        order_lock(10**12)


def test_with_teams_the_lock_also_returns_the_teams():
    order = order_new()

    with transaction.atomic():
        locked, teams = order_lock(order, with_teams=True)

    assert locked.pk == order.pk
    # One statement reads them on PostgreSQL; elsewhere planning reads them itself.
    assert teams == ([] if connection.vendor == "postgresql" else None)


def test_a_staff_member_of_another_team_is_refused():
    department = Department.objects.create(code="ops", name="Ops")
    mine = Team.objects.create(code="mine", name="Mine", department=department)
    theirs = Team.objects.create(code="theirs", name="Theirs", department=department)
    picker = user_with_role(WAREHOUSE)
    mine.members.add(picker)
    order = order_new()
    Order.objects.filter(pk=order.pk).update(team=theirs)

    with (
        pytest.raises(TransitionPermissionDenied, match="belongs to team Theirs"),
        transaction.atomic(),
    ):
        order_lock(order, actor=picker)
    with transaction.atomic():
        assert order_lock(order, actor=None).team_id == theirs.pk


def test_a_stale_version_is_refused_with_the_current_one():
    order = order_new()

    with pytest.raises(StaleOrderVersion) as refusal, transaction.atomic():
        order_lock(order, expected_version=order.version + 1)

    assert refusal.value.details == {"current_version": order.version}


# -- the order's rows, after the order ------------------------------------------------


def test_rows_of_another_order_are_not_locked_with_this_one():
    mine, other = order_in_state(OrderStatus.PACKING), order_in_state(OrderStatus.PACKING)
    package = Package.objects.create(order=other, weight_grams=100)

    with transaction.atomic():
        locked = order_lock(mine)
        assert list(order_rows_lock(locked, Package.objects.filter(pk=package.pk))) == []
        assert list(order_rows_lock(order_lock(other), Package.objects.all())) == [package]


def test_a_row_is_locked_after_its_order():
    order = order_in_state(OrderStatus.DELIVERED)
    request = AfterSalesRequest.objects.create(order=order, kind="return", reason="broken")

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        locked_order, locked_request = order_row_lock(AfterSalesRequest.objects, request.pk)

    assert (locked_order.pk, locked_request.pk) == (order.pk, request.pk)
    statements = [query["sql"] for query in queries.captured_queries]
    order_table = locked_order._meta.db_table
    request_table = AfterSalesRequest._meta.db_table
    order_at = next(i for i, sql in enumerate(statements) if f"FROM {order_table} o" in sql)
    row_at = max(i for i, sql in enumerate(statements) if request_table in sql)
    assert order_at < row_at
    if connection.features.has_select_for_update_of:
        assert statements[order_at].endswith("FOR UPDATE OF o")
        assert statements[row_at].endswith(f'FOR UPDATE OF "{request_table}"')


def test_no_row_no_lock():
    with transaction.atomic():
        assert order_row_lock(AfterSalesRequest.objects, 10**12) is None


def test_a_row_lock_checks_the_team_of_its_order():
    department = Department.objects.create(code="ops", name="Ops")
    theirs = Team.objects.create(code="theirs", name="Theirs", department=department)
    picker = user_with_role(WAREHOUSE)
    Team.objects.create(code="mine", name="Mine", department=department).members.add(picker)
    order = order_in_state(OrderStatus.DELIVERED)
    Order.objects.filter(pk=order.pk).update(team=theirs)
    request = AfterSalesRequest.objects.create(order=order, kind="return", reason="broken")

    with pytest.raises(TransitionPermissionDenied), transaction.atomic():
        order_row_lock(AfterSalesRequest.objects, request.pk, actor=picker)


# -- nothing else locks an order or its rows -------------------------------------------

# An order and the rows that go with it: only orders/locking.py takes their locks.
ORDER_ROWS = {"Order", "AfterSalesRequest", "SupplierRequest", "Package", "Shipment"}


def _project_sources():
    """The project's own modules, tests and migrations left out."""
    root = Path(settings.BASE_DIR)
    skip = {"tests", "migrations", "benchmarks", "loadtest"}
    for package in sorted(root.iterdir()):
        if package.name in skip or not (package / "__init__.py").exists():
            continue
        for folder, folders, files in os.walk(package):
            folders[:] = [name for name in folders if name not in skip]
            for name in files:
                if name.endswith(".py"):
                    path = Path(folder) / name
                    yield path.relative_to(root), path.read_text(encoding="utf-8")


def _order_row_locks(source: str) -> list[str]:
    """The locks of an order or its rows that `source` takes itself."""
    found = [
        f"{model}.objects.select_for_update"
        for model in re.findall(r"(\w+)\.objects\.select_for_update\b", source)
        if model in ORDER_ROWS
    ]
    if "FOR UPDATE" in source:
        found += [
            f"FOR UPDATE in SQL on {model}"
            for model in re.findall(r"(\w+)\._meta\.db_table", source)
            if model in ORDER_ROWS
        ]
    return found


def test_only_orders_locking_locks_orders_and_their_rows():
    offenders = [
        f"{relative}: {lock}"
        for relative, source in _project_sources()
        if relative != Path("orders/locking.py")
        for lock in _order_row_locks(source)
    ]

    assert offenders == []


def test_the_check_above_recognises_a_lock_taken_elsewhere():
    assert _order_row_locks("Package.objects.select_for_update().filter(order=order)") == [
        "Package.objects.select_for_update"
    ]
    assert _order_row_locks('f"SELECT * FROM {Order._meta.db_table} FOR UPDATE"') == [
        "FOR UPDATE in SQL on Order"
    ]
    assert _order_row_locks("InventoryItem.objects.select_for_update()") == []
