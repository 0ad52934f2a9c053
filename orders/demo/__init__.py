"""Demo data: two storefronts, one staff user per role and orders in every state.

Each app seeds its own part; `demo_data_seed` runs them in this order:

1. orders (`reference`): the storefronts, the role groups and one staff user
   per role, the organisation (teams, regions, service levels, holidays);
2. every registered seeder's fixed data (`seeders.demo_seeders`: fulfillment's
   carriers, stock and suppliers, then the reports' cost rates);
3. the orders (`stories`), bought by `customers.demo`'s customers, each walked
   through the order service with the seeders doing their part around each
   step (boxes, parcels, the carrier's delivered scan, the ledger's dates);
4. the work in progress around them, added if missing (`scene_ensure` of every
   seeder: the Global Store's automatic confirmation, supplier requests, carrier
   scans; then orders' own finished bulk job and an order overdue to confirm);
5. what beat's service-level watch would have found by now.

Running it again is safe: storefronts, groups and users are brought back to
the demo state (passwords reset), and no orders are added once the demo
storefronts have some.
"""

import random
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction
from django.db.models import Count

from .. import roles
from ..models import BulkJob, Order, OrderStatus
from ..planning import sla_alerts_email, sla_breaches_record
from .catalogue import DEMO_STOREFRONT_CODE, GLOBAL_STOREFRONT_CODE, PRODUCTS
from .confirmation import overdue_to_confirm_ensure
from .reference import (
    DEMO_ACCOUNTS,
    DEMO_API_KEY,
    DemoAccount,
    accounts_ensure,
    api_key_ensure,
    organisation_ensure,
    storefronts_ensure,
)
from .scenes import bulk_job_ensure
from .seeders import DemoOrder, DemoSeeder, demo_seeder_register, demo_seeders
from .stories import orders_seed

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_API_KEY",
    "DEMO_STOREFRONT_CODE",
    "GLOBAL_STOREFRONT_CODE",
    "PRODUCTS",
    "RANDOM_SEED",
    "DemoAccount",
    "DemoOrder",
    "DemoSeedResult",
    "DemoSeeder",
    "demo_data_seed",
    "demo_seeder_register",
    "demo_seeders",
]

# Fixed so that seeding twice gives the same orders (order numbers aside).
RANDOM_SEED = 2026


@dataclass(frozen=True)
class DemoSeedResult:
    """What a run left behind, for the command's summary and for tests."""

    accounts: tuple[DemoAccount, ...]
    storefronts_created: int
    users_created: int
    orders_created: int
    status_counts: dict[str, int]
    # The demo storefront's published API key, for the command to print.
    api_key: str = ""
    # An open order worth a look on the tracking page, and the finished bulk job.
    showcase_order: Order | None = None
    bulk_job: BulkJob | None = None


def demo_data_seed(*, orders: int = 300, stdout: TextIO | None = None) -> DemoSeedResult:
    """Create or refresh the demo storefronts, role users and orders; safe to run again."""
    if orders < 0:
        raise ValueError("orders must be 0 or more.")

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    rng = random.Random(RANDOM_SEED)  # noqa: S311 - repeatable demo data, not a secret
    with transaction.atomic():
        storefronts, storefronts_created = storefronts_ensure()
        # Users must be in their groups before the orders service checks their permissions.
        actors, users_created = accounts_ensure(roles.roles_sync())
        organisation_ensure(storefronts, actors)
        for seeder in demo_seeders:
            seeder.reference_ensure(storefronts=storefronts)
        api_key = api_key_ensure(storefronts[DEMO_STOREFRONT_CODE])
    say(
        f"Storefronts: {storefronts_created} created, "
        f"{len(storefronts) - storefronts_created} already there. "
        f"Demo users: {users_created} created, {len(actors) - users_created} reset."
    )

    demo_orders = Order.objects.filter(storefront__in=list(storefronts.values()))
    orders_created = 0
    if demo_orders.exists():
        say("The demo storefronts already have orders; none added.")
    elif orders:
        orders_created = orders_seed(
            count=orders, storefronts=storefronts, actors=actors, rng=rng, say=say
        )

    # Each scene is its own transaction: one that fails leaves the others (and the orders).
    for seeder in demo_seeders:
        with transaction.atomic():
            seeder.scene_ensure(storefronts=storefronts, actors=actors)
    with transaction.atomic():
        bulk_job = bulk_job_ensure(storefronts=storefronts, actors=actors)
    # After the bulk job, which confirms the oldest received orders.
    with transaction.atomic():
        overdue_to_confirm_ensure(storefronts=storefronts)

    # What beat's service-level watch would have found by now: badges and leads' e-mails.
    alerts = sla_breaches_record()
    sla_alerts_email()
    if alerts:
        say(f"Service levels: {alerts} new alerts for the team leads.")

    counts = dict(demo_orders.values_list("status").annotate(count=Count("id")).order_by())
    return DemoSeedResult(
        accounts=DEMO_ACCOUNTS,
        storefronts_created=storefronts_created,
        users_created=users_created,
        orders_created=orders_created,
        status_counts={status: counts.get(status, 0) for status in OrderStatus.values},
        api_key=api_key,
        showcase_order=_showcase_order(demo_orders),
        bulk_job=bulk_job,
    )


def _showcase_order(demo_orders) -> Order | None:
    """A shipped order of the demo shop (its tracking page has the most to show)."""
    for status in (OrderStatus.SHIPPED, OrderStatus.ON_HOLD, OrderStatus.DELIVERED):
        order = (
            demo_orders.filter(status=status, storefront__code=DEMO_STOREFRONT_CODE)
            .order_by("-placed_at", "-id")
            .first()
        )
        if order is not None:
            return order
    return demo_orders.order_by("-id").first()
