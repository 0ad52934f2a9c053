"""The seam through which the apps built on orders add their own demo data.

`orders.demo` plays each demo order through the order service; what other
apps would have done around it (fulfillment packs the boxes before "ready to
ship", the reports date the ledger rows the order produced) is theirs to
seed. Each such app subclasses `DemoSeeder` in its own `demo` module and
registers an instance from its `AppConfig.ready()`; orders never imports them.

To list every app's part of `seed_demo`, read `demo_seeders` (its order is
registration order, which is INSTALLED_APPS order; `orders/tests/test_demo_seeders.py`
pins it). Each hook below is called for every registered seeder, in that order.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured

from ..models import Storefront


@dataclass(frozen=True)
class DemoOrder:
    """What a seeder is told about the demo order being played through the service."""

    pk: int
    currency: str
    # (sku, unit price, quantity) of each line.
    lines: tuple[tuple[str, Decimal, int], ...]
    # The demo staff users by username ("manager", "warehouse", "care", "finance").
    actors: Mapping[str, AbstractBaseUser]


class DemoSeeder:
    """One app's share of the demo data; a subclass overrides the hooks it needs.

    Every hook runs inside the demo's transaction for that stage, so a failure
    leaves no half-seeded order behind.
    """

    # Shown by the registry test and in errors; the app label by convention.
    name: str = ""
    # Seeders whose reference data this one reads (the reports' carrier rates need
    # fulfillment's carriers); they must be registered, and so run, before it.
    requires: tuple[str, ...] = ()

    def reference_ensure(self, *, storefronts: Mapping[str, Storefront]) -> None:
        """Create or refresh the app's fixed data; runs on every seeding, orders' own first."""

    def step_prepare(self, order: DemoOrder, *, transition: str) -> None:
        """Do the app's work that has to come before `transition` (pack before shipping)."""

    def step_take(self, order: DemoOrder, *, transition: str) -> bool:
        """Take `transition` through this app's own service if the app owns it; say if it did.

        A transition a service owns (`TransitionSpec.owner`: opening an
        after-sales request moves the order to post_delivery) is not run bare.
        """
        return False

    def step_follow(self, order: DemoOrder, *, transition: str) -> None:
        """Do what the outside world would have done after `transition` (a carrier's scan)."""

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        """Add the work in progress around the demo orders (requests, scans), if missing.

        Runs on every seeding after the orders, so a database seeded before a
        scene existed gets it too; each scene checks for its own rows first.
        """

    def history_backdate(
        self,
        order: DemoOrder,
        *,
        placed_at: datetime,
        step_times: Mapping[str, datetime],
    ) -> None:
        """Date the app's rows of the order at the steps that made them.

        `step_times` holds the last time each transition was taken; the order
        was placed at `placed_at`.
        """


demo_seeders: list[DemoSeeder] = []


def demo_seeder_register(seeder: DemoSeeder) -> None:
    """Add an app's demo seeder; call from its AppConfig.ready().

    Registering a seeder of the same name again replaces it in place, so an
    app registry that is set up twice (as some tests do) does not seed twice.
    """
    names = [registered.name for registered in demo_seeders]
    if seeder.name in names:
        demo_seeders[names.index(seeder.name)] = seeder
        return
    missing = [name for name in seeder.requires if name not in names]
    if missing:
        raise ImproperlyConfigured(
            f"The {seeder.name!r} demo seeder needs {', '.join(missing)} registered first: "
            "list that app before it in INSTALLED_APPS."
        )
    demo_seeders.append(seeder)
