"""The demo's fixed order-domain data: storefronts, staff users and the organisation.

Run on every seeding: storefronts and users are brought back to the demo
state (passwords reset, one role each), and teams, regions, categories,
service levels and holidays are created or updated in place.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group

from .. import roles
from ..models import (
    Department,
    Holiday,
    ManagementMode,
    ProductCategory,
    Region,
    ServiceLevel,
    Storefront,
    StorefrontAPIKey,
    Team,
)
from .catalogue import DEMO_STOREFRONT_CODE, GLOBAL_STOREFRONT_CODE, PRODUCTS, STOREFRONTS


@dataclass(frozen=True)
class DemoAccount:
    """A demo staff login; the password is public by design, hence DEBUG-only seeding."""

    username: str
    password: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("manager", "manager-demo-pass", roles.MANAGER),
    DemoAccount("warehouse", "warehouse-demo-pass", roles.WAREHOUSE),
    DemoAccount("care", "care-demo-pass", roles.CUSTOMER_CARE),
    DemoAccount("finance", "finance-demo-pass", roles.FINANCE),
)

# The demo shop's API key, published like the passwords (seed_demo prints it). A real
# key is random and shown once; this one is fixed so that every seeding keeps it working.
DEMO_API_KEY = "demoshop.published-demo-key-do-not-use-in-production"
DEMO_API_KEY_NAME = "demo (published)"

# Vietnamese public holidays (Tết and the national days) the demo calendar skips.
_HOLIDAYS = [
    ("2026-01-01", "New Year"),
    *[(f"2026-02-{day}", "Tết Nguyên Đán") for day in range(16, 21)],
    ("2026-04-27", "Hùng Kings' day (observed)"),
    ("2026-04-30", "Reunification day"),
    ("2026-05-01", "Labour day"),
    ("2026-09-01", "National day"),
    ("2026-09-02", "National day"),
    ("2027-01-01", "New Year"),
    *[(f"2027-02-{day:02d}", "Tết Nguyên Đán") for day in range(5, 10)],
]


def organisation_ensure(
    storefronts: dict[str, Storefront], actors: dict[str, AbstractBaseUser]
) -> None:
    """Departments, teams, regions, categories, service levels and holidays for the demo.

    The demo shop works by function (each department owns stages); the global
    store geographically. The warehouse user works in every fulfilment team;
    customer care sits in no team, so holds and cancellations reach every order.
    """
    departments = {}
    for code, name, stages in [
        ("desk", "Order desk", ["processing"]),
        ("floor", "Warehouse floor", ["picking", "packing", "ready_to_ship"]),
        ("shipping", "Shipping", ["shipped"]),
    ]:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "stages": stages}
        )
    teams = {}
    for code, name, department, lead in [
        ("desk", "Order desk", "desk", "manager"),
        ("floor", "Floor team", "floor", "warehouse"),
        ("dispatch", "Dispatch", "shipping", "warehouse"),
        ("asia", "Asia-Pacific", "floor", "manager"),
        ("west", "Europe and Americas", "floor", "manager"),
    ]:
        teams[code], _ = Team.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "department": departments[department],
                "lead": actors[lead],
                "is_active": True,
            },
        )
        teams[code].members.add(actors["warehouse"])
    teams["desk"].members.add(actors["manager"])
    for name, country, team in [
        ("Singapore", "SG", "asia"),
        ("Japan", "JP", "asia"),
        ("Australia", "AU", "asia"),
        ("Germany", "DE", "west"),
        ("United States", "US", "west"),
    ]:
        Region.objects.update_or_create(
            name=name, defaults={"country": country, "team": teams[team]}
        )
    for category in sorted({product[3] for product in PRODUCTS}):
        ProductCategory.objects.update_or_create(name=category, defaults={"team": teams["floor"]})
    for day, name in _HOLIDAYS:
        Holiday.objects.update_or_create(date=date.fromisoformat(day), defaults={"name": name})
    demo, world = storefronts[DEMO_STOREFRONT_CODE], storefronts[GLOBAL_STOREFRONT_CODE]
    Storefront.objects.filter(pk=demo.pk).update(
        management_mode=ManagementMode.BY_FUNCTION, default_team=teams["desk"]
    )
    Storefront.objects.filter(pk=world.pk).update(
        management_mode=ManagementMode.GEOGRAPHIC, default_team=teams["west"]
    )
    for storefront in (demo, world):
        storefront.refresh_from_db()
        for priority, hours in [
            ("standard", (4, 4, 3, 6, 27, 90)),
            ("express", (1, 2, 1, 2, 9, 45)),
        ]:
            ServiceLevel.objects.update_or_create(
                storefront=storefront,
                priority=priority,
                defaults=dict(
                    zip(
                        [
                            "processing_hours",
                            "picking_hours",
                            "packing_hours",
                            "ready_to_ship_hours",
                            "shipping_hours",
                            "shipping_hours_abroad",
                        ],
                        hours,
                        strict=True,
                    )
                ),
            )


def storefronts_ensure() -> tuple[dict[str, Storefront], int]:
    """Return the two demo storefronts by code, made if missing, and how many were made.

    A storefront seeded before it had a support or sender address gets one; one
    a manager has set since is kept.
    """
    storefronts, created_count = {}, 0
    for code, defaults in STOREFRONTS.items():
        storefront, created = Storefront.objects.get_or_create(code=code, defaults=defaults)
        missing = {
            field: defaults[field]
            for field in ("support_email", "sender_name", "sender_address", "sender_phone")
            if not getattr(storefront, field)
        }
        if missing:
            Storefront.objects.filter(pk=storefront.pk).update(**missing)
            storefront.refresh_from_db()
        storefronts[code] = storefront
        created_count += created
    return storefronts, created_count


def api_key_ensure(storefront: Storefront) -> str:
    """Give `storefront` the published demo API key and return it.

    A demo key revoked, expired or moved since is replaced (revoking cannot be
    undone), so the printed key always works.
    """
    prefix = DEMO_API_KEY.partition(".")[0]
    usable = StorefrontAPIKey.objects.filter(storefront=storefront, prefix=prefix)
    if usable.exists() and StorefrontAPIKey.objects.is_valid(DEMO_API_KEY):
        return DEMO_API_KEY
    StorefrontAPIKey.objects.filter(prefix=prefix).delete()
    # The manager's create_key draws a random key; the demo's is fixed, so store it the
    # way the library does (the primary key is "<prefix>.<hash>").
    hashed_key = StorefrontAPIKey.objects.key_generator.hash(DEMO_API_KEY)
    StorefrontAPIKey.objects.create(
        id=f"{prefix}.{hashed_key}",
        prefix=prefix,
        hashed_key=hashed_key,
        name=DEMO_API_KEY_NAME,
        storefront=storefront,
    )
    return DEMO_API_KEY


def accounts_ensure(groups: dict[str, Group]) -> tuple[dict[str, AbstractBaseUser], int]:
    """Put each demo user back in its demo state: staff, one role, the published password."""
    user_model = get_user_model()
    actors, created_count = {}, 0
    for account in DEMO_ACCOUNTS:
        user, created = user_model.objects.get_or_create(username=account.username)
        created_count += created
        user.email = f"{account.username}@example.com"
        user.is_active = True
        user.is_staff = True
        user.is_superuser = False
        user.set_password(account.password)
        user.save()
        # Only the role decides what a demo user may do.
        user.groups.set([groups[account.role]])
        user.user_permissions.clear()
        actors[account.username] = user
    return actors, created_count
