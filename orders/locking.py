"""The one way to lock an order, and the rows that go with it, in a fixed order.

Every change to an order starts here, inside its transaction:

1. `order_lock` locks the order's row and reads it, with its storefront (from a
   row cache, see below) and, for a transition on PostgreSQL, the active teams'
   stages, in one statement. It refuses (403) a staff member of another team and
   (412) a change made from an older version of the order.
2. Then, and only then, the order's own rows that the change writes: an
   after-sales or supplier request, packages, shipments (`order_rows_lock`,
   `order_row_lock`), each kind in id order.

Taking the order's lock first is what keeps two changes from waiting on each
other in a cycle: whichever holds the order holds everything below it. Other
rows are not an order's: stock (fulfillment locks it after the order, in SKU
order), and the outbox and job rows their workers lock while they send or run
them (webhook events, service-level alerts, bulk job items). A test keeps every
other module from locking an order or its rows itself.

The storefront row cache: storefronts change rarely and every lock needs one.
The locking statement reads the storefront's `updated_at`, so a storefront
changed by any process is read again; a save in this process drops its entry
at once (`_storefront_forget`).
"""

from typing import Any, Literal, TypeVar, overload

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from shared.actors import Actor
from shared.errors import StaleOrderVersion, TransitionPermissionDenied

from .models import Order, Storefront
from .planning import ACTIVE_TEAMS_STAGES_SQL, TeamStages, active_teams_stages_parse

RowT = TypeVar("RowT", bound=Model)


@overload
def order_lock(
    order: Order | int,
    *,
    actor: Actor = None,
    expected_version: int | None = None,
    with_teams: Literal[False] = False,
) -> Order: ...


@overload
def order_lock(
    order: Order | int,
    *,
    actor: Actor = None,
    expected_version: int | None = None,
    with_teams: Literal[True],
) -> tuple[Order, TeamStages | None]: ...


def order_lock(
    order: Order | int,
    *,
    actor: Actor = None,
    expected_version: int | None = None,
    with_teams: bool = False,
) -> Order | tuple[Order, TeamStages | None]:
    """Lock the order's row for the rest of the transaction and return it fresh.

    The order comes with its storefront as it is now. With a staff `actor`,
    refuse (403) an order of a team they do not work for; with
    `expected_version`, refuse (412) an order changed since the caller saw it.
    `with_teams` (a transition: planning routes it) also returns the active
    teams' stages, read in the same statement on PostgreSQL (None elsewhere:
    planning then reads them itself). Raises `Order.DoesNotExist` for no order.
    """
    order_pk = order.pk if isinstance(order, Order) else order
    sql = _ORDER_LOCK_SQL.get((connection.vendor, with_teams)) or _order_lock_sql(with_teams)
    locked = next(iter(Order.objects.raw(sql, [order_pk])), None)
    if locked is None:
        raise Order.DoesNotExist(f"Order {order_pk} does not exist.")
    row = locked.__dict__
    locked.storefront = _storefront_current(
        locked.storefront_id, row.pop("lock_storefront_updated_at")
    )
    teams = row.pop("lock_teams", None)
    if actor is not None:
        order_team_require(locked, actor)
    if expected_version is not None:
        order_version_require(locked, expected_version)
    if with_teams:
        return locked, None if teams is None else active_teams_stages_parse(teams)
    return locked


def order_rows_lock(order: Order, rows: QuerySet[RowT]) -> QuerySet[RowT]:
    """Return those of `rows` that belong to `order`, to be locked as they are read.

    Call it once `order_lock` holds the order in this transaction. Only the
    rows' own table is locked (not the tables `select_related` joins: a
    carrier or supplier is shared by many orders), in id order.
    """
    return rows.filter(order=order).select_for_update(of=("self",)).order_by("pk")


def order_row_lock(
    rows: QuerySet[RowT], pk: int, *, actor: Actor = None
) -> tuple[Order, RowT] | None:
    """Lock the order that row `pk` of `rows` belongs to, then that row; None if it is not there.

    For a change that starts from one of an order's rows (an after-sales or a
    supplier request): its order is locked first, like every order change.
    `actor` is checked against the order's team as in `order_lock`.
    """
    order_pk = rows.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_pk is None:
        return None
    locked = order_lock(order_pk, actor=actor)
    return locked, order_rows_lock(locked, rows).get(pk=pk)


# -- who may change a locked order ------------------------------------------------------


def user_may_work_order(order: Order, user: Actor) -> bool:
    """Staff who belong to teams work their teams' orders (and unassigned ones) only.

    People in no team (finance, a shop-wide customer-care desk) and those with
    `orders.work_any_team_order` (managers) are not limited by team; neither is
    the system (None).
    """
    if user is None or order.team_id is None or not user.is_authenticated:
        return True
    if user.has_perm("orders.work_any_team_order"):
        return True
    team_ids = set(user.teams.values_list("id", flat=True))
    return not team_ids or order.team_id in team_ids


def order_team_require(order: Order, actor: Actor) -> None:
    """Refuse (403) a staff member acting on another team's order (see user_may_work_order)."""
    if not user_may_work_order(order, actor):
        raise TransitionPermissionDenied(
            f"Order {order.number} belongs to team {order.team}, not to yours.",
            details={"team": order.team.code},
        )


def order_version_require(order: Order, expected_version: int | None) -> None:
    """Refuse (412) a change made from a page that showed an older version of `order`.

    Call it on the locked row, so nothing can change the order between the check
    and the write. None means the caller did not say which version it saw.
    """
    if expected_version is not None and order.version != expected_version:
        raise StaleOrderVersion(
            f"Order {order.number} has changed since you loaded it "
            f"(version {expected_version}, now {order.version}). Reload and try again.",
            details={"current_version": order.version},
        )


# -- the locking statement and the storefront row cache -------------------------------


# (vendor, with teams) -> the statement. Written as SQL because every transition runs
# it: as Order.objects.select_for_update().select_related("storefront") plus the
# teams' query it cost three times as much Python as the SQL, with a second round trip.
_ORDER_LOCK_SQL: dict[tuple[str, bool], str] = {}


def _order_lock_sql(with_teams: bool) -> str:
    vendor = connection.vendor
    features = connection.features
    lock = (
        " FOR UPDATE OF o"
        if features.has_select_for_update_of
        else " FOR UPDATE"
        if features.has_select_for_update
        else ""
    )
    teams = (
        f", {ACTIVE_TEAMS_STAGES_SQL} AS lock_teams"
        if with_teams and vendor == "postgresql"
        else ""
    )
    sql = _ORDER_LOCK_SQL[(vendor, with_teams)] = (
        f"SELECT o.*, s.updated_at AS lock_storefront_updated_at{teams} "  # noqa: S608 - the models' own tables
        f"FROM {Order._meta.db_table} o "
        f"JOIN {Storefront._meta.db_table} s ON s.id = o.storefront_id WHERE o.id = %s{lock}"
    )
    return sql


# A storefront's columns by id, with the updated_at they were read at.
_STOREFRONT_ROWS: dict[int, tuple[Any, list[str], list[Any]]] = {}


def _storefront_current(pk: int, updated_at: Any) -> Storefront:
    """A fresh Storefront instance of the row as it is now (`updated_at` as the DB gave it)."""
    cached = _STOREFRONT_ROWS.get(pk)
    if cached is None or cached[0] != updated_at:
        storefront = Storefront.objects.get(pk=pk)
        names = [field.attname for field in Storefront._meta.concrete_fields]
        cached = (updated_at, names, [getattr(storefront, name) for name in names])
        _STOREFRONT_ROWS[pk] = cached
    _, names, values = cached
    return Storefront.from_db(connection.alias, names, values)


@receiver([post_save, post_delete], sender=Storefront)
def _storefront_forget(sender, instance: Storefront, **kwargs) -> None:
    _STOREFRONT_ROWS.pop(instance.pk, None)
