"""Load BENCH_ORDERS orders (default 1,000,000) over two years with PostgreSQL COPY.

Each order comes with its customer, address, lines, history (created and one
event per status change), a shipment once shipped and the ledger entries the
services would have written; statuses follow the order's age, so old orders
are closed and recent ones spread over every queue. Rows are generated in
chunks of CHUNK orders and copied table by table; primary keys are assigned
here and the sequences moved past them at the end.

Benchmark data only: the storefronts are `bench-vn` and `bench-us`, order
numbers start with `BM`. Run against a scratch database (make bench does).
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from customers.models import Address, Customer
from fulfillment.models import Carrier, Shipment
from fulfillment.services import carriers_defaults_ensure
from orders.models import Department, Order, OrderEvent, OrderLine, Storefront, Team
from reports.models import LedgerEntry
from shared.money import computed_amount_round

CHUNK = 20_000
DAYS = 730
SKUS = [(f"BM-{n:03d}", f"Product {n}", ["Home", "Tea", "Electronics", "Books", "Toys"][n % 5])
        for n in range(60)]  # fmt: skip
PATH = ["confirm", "start_picking", "start_packing", "mark_ready_to_ship", "ship", "deliver"]
STATUS_AFTER = {
    "confirm": "processing",
    "start_picking": "picking",
    "start_packing": "packing",
    "mark_ready_to_ship": "ready_to_ship",
    "ship": "shipped",
    "deliver": "delivered",
    "open_after_sales": "post_delivery",
    "complete": "completed",
}
ACTIVE = ["processing", "picking", "packing", "ready_to_ship", "shipped"]


class Copier:
    """Rows for one model's table in PostgreSQL's text COPY format, defaults filled in."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields
        self.columns = [field.column for field in self.fields]
        self.defaults = {}
        for field in self.fields:
            if field.has_default() and not callable(field.default):
                self.defaults[field.attname] = field.default
            elif field.has_default() and field.default is dict:
                self.defaults[field.attname] = {}
            elif field.null:
                self.defaults[field.attname] = None
            elif isinstance(field, models.CharField | models.TextField):
                self.defaults[field.attname] = ""
        self.plan = [(field.attname, self.defaults.get(field.attname)) for field in self.fields]
        self.lines: list[str] = []

    @property
    def count(self) -> int:
        return len(self.lines)

    def add(self, values: dict[str, Any]) -> None:
        self.lines.append(
            "\t".join([_text(values.get(name, default)) for name, default in self.plan])
        )

    def flush(self, cursor: Any) -> None:
        if not self.lines:
            return
        buffer = io.StringIO("\n".join(self.lines) + "\n")
        columns = ", ".join(f'"{column}"' for column in self.columns)
        cursor.copy_expert(f"COPY {self.model._meta.db_table} ({columns}) FROM STDIN", buffer)
        self.lines = []


def _text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return _escaped(value)
        return value
    if kind is int or kind is Decimal:
        return str(value)
    if value is None:
        return r"\N"
    if kind is datetime:
        return value.isoformat()
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return _escaped(str(value))


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _status_for(age_days: float, rng: random.Random) -> tuple[str, bool]:
    """The status an order of this age is in, and whether it was held on the way."""
    roll = rng.random()
    if age_days > 30:
        table = [
            ("completed", 0.88),
            ("cancelled", 0.07),
            ("delivered", 0.03),
            ("post_delivery", 0.02),
        ]
    elif age_days > 3:
        table = [("completed", 0.35), ("delivered", 0.3), ("shipped", 0.15), ("cancelled", 0.08),
                 ("post_delivery", 0.05), ("on_hold", 0.03), ("ready_to_ship", 0.04)]  # fmt: skip
    else:
        table = [("received", 0.1), ("processing", 0.2), ("picking", 0.15), ("packing", 0.15),
                 ("ready_to_ship", 0.1), ("shipped", 0.18), ("on_hold", 0.05),
                 ("cancelled", 0.07)]  # fmt: skip
    for status, share in table:
        if roll < share:
            return status, False
        roll -= share
    return table[0][0], False


def _path(status: str, rng: random.Random) -> tuple[list[str], str]:
    """The transitions that lead to `status`, and the status held from (for on_hold)."""
    if status == "received":
        return [], ""
    if status == "cancelled":
        return [*PATH[: rng.randint(0, 3)], "cancel"], ""
    if status == "on_hold":
        held_from = rng.choice(ACTIVE)
        return [*PATH[: PATH.index(_entering(held_from)) + 1], "hold"], held_from
    if status in ("post_delivery", "completed"):
        extra = ["open_after_sales"] if status == "post_delivery" or rng.random() < 0.05 else []
        return [*PATH, *extra, *(["complete"] if status == "completed" else [])], ""
    return PATH[: PATH.index(_entering(status)) + 1], ""


def _entering(status: str) -> str:
    return next(t for t, s in STATUS_AFTER.items() if s == status)


def generate(total: int, *, seed: int = 2026, say=print) -> int:
    """Load `total` benchmark orders (keeping any already loaded); return how many exist."""
    rng = random.Random(seed)  # noqa: S311 - repeatable data, not a secret
    carriers_defaults_ensure()
    storefronts = [
        Storefront.objects.get_or_create(code=code, defaults={"name": name, "currency": cur})[0]
        for code, name, cur in [("bench-vn", "Bench VN", "VND"), ("bench-us", "Bench US", "USD")]
    ]
    department, _ = Department.objects.get_or_create(
        code="bench-floor", defaults={"name": "Bench floor", "stages": ACTIVE}
    )
    teams = [
        Team.objects.get_or_create(code=f"bench-{n}", defaults={"name": f"Bench team {n}",
                                                                "department": department})[0]
        for n in range(4)
    ]  # fmt: skip
    carriers = list(Carrier.objects.values_list("pk", flat=True))
    have = Order.objects.filter(storefront__in=storefronts).count()
    if have >= total:
        say(f"{have:,} benchmark orders already loaded.")
        return have

    ids = {model: (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) for model in
           (Customer, Address, Order, OrderLine, OrderEvent, Shipment, LedgerEntry)}  # fmt: skip
    now = timezone.now()
    started = time.monotonic()
    made = have
    writer: threading.Thread | None = None
    while made < total:
        size = min(CHUNK, total - made)
        copiers = {model: Copier(model) for model in ids}
        for index in range(made, made + size):
            _order_rows(index, rng, now, storefronts, teams, carriers, ids, copiers)
        # PostgreSQL copies this chunk while Python makes the next one (2 cores).
        if writer is not None:
            writer.join()
        if _copy_errors:
            raise _copy_errors[0]
        writer = threading.Thread(target=_copy_chunk, args=(copiers,))
        writer.start()
        made += size
        say(f"  {made:,} of {total:,} orders ({time.monotonic() - started:.0f} s)")
    if writer is not None:
        writer.join()
    if _copy_errors:
        raise _copy_errors[0]
    with connection.cursor() as cursor:
        for model, last in ids.items():
            table = model._meta.db_table
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, max(last, 1)]
            )
    # As autovacuum would in time: statistics, and the visibility map index-only scans need.
    previous = connection.get_autocommit()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        for model in ids:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    connection.set_autocommit(previous)
    say(f"Loaded in {time.monotonic() - started:.0f} s.")
    return made


_copy_errors: list[BaseException] = []


def _copy_chunk(copiers: dict) -> None:
    """Copy one chunk in one transaction, on this thread's own connection."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for copier in copiers.values():
                copier.flush(cursor.cursor)
    except BaseException as error:  # the main thread re-raises it
        _copy_errors.append(error)
    finally:
        connection.close()


def _next(ids: dict, model: type[models.Model]) -> int:
    ids[model] += 1
    return ids[model]


def _order_rows(index, rng, now, storefronts, teams, carriers, ids, copiers) -> None:
    storefront = storefronts[index % 2]
    usd = storefront.currency == "USD"
    age_days = DAYS * (rng.random() ** 1.6)  # more recent orders than old ones
    placed_at = now - timedelta(days=age_days)
    status, _ = _status_for(age_days, rng)
    transitions, held_from = _path(status, rng)

    customer_id = _next(ids, Customer)
    copiers[Customer].add({
        "id": customer_id, "storefront_id": storefront.pk, "email": f"c{index}@bench.example",
        "name": f"Customer {index}", "language": "en" if usd else "vi",
        "created_at": placed_at, "updated_at": placed_at,
    })  # fmt: skip
    address_id = _next(ids, Address)
    copiers[Address].add({
        "id": address_id, "customer_id": customer_id, "name": f"Customer {index}",
        "line1": f"{index % 500} Bench Street", "city": "Ho Chi Minh City",
        "postal_code": f"{700000 + rng.randint(0, 99999)}",
        "country": rng.choice(["VN", "VN", "VN", "SG", "US", "JP"]), "created_at": placed_at,
    })  # fmt: skip

    order_id = _next(ids, Order)
    subtotal = Decimal(0)
    for sku, name, category in rng.sample(SKUS, k=rng.randint(1, 3)):
        quantity = rng.randint(1, 3)
        price = (
            Decimal(rng.randint(199, 9999)) / 100 if usd else Decimal(rng.randint(50, 2000) * 1000)
        )
        subtotal += price * quantity
        copiers[OrderLine].add({
            "id": _next(ids, OrderLine), "order_id": order_id, "sku": sku, "name": name,
            "category": category, "quantity": quantity, "unit_price": price,
            "line_total": price * quantity,
        })  # fmt: skip
    shipping = Decimal("4.90") if usd else Decimal(30000)
    total = subtotal + shipping

    # History: one event per step, a few hours apart.
    moment = placed_at
    times: dict[str, datetime] = {}
    copiers[OrderEvent].add({
        "id": _next(ids, OrderEvent), "order_id": order_id, "event_type": "created",
        "to_status": "received", "customer_visible": True, "data": {}, "created_at": placed_at,
    })  # fmt: skip
    current = "received"
    for transition in transitions:
        moment += timedelta(hours=rng.uniform(0.3, 20 if transition != "deliver" else 60))
        moment = min(moment, now)
        times[transition] = moment
        target = (
            "cancelled"
            if transition == "cancel"
            else ("on_hold" if transition == "hold" else STATUS_AFTER[transition])
        )
        copiers[OrderEvent].add({
            "id": _next(ids, OrderEvent), "order_id": order_id, "event_type": "status_changed",
            "transition": transition, "from_status": current, "to_status": target,
            "reason": "stock_shortage" if transition == "hold" else (
                "Customer changed their mind" if transition == "cancel" else ""),
            "customer_visible": True, "data": {}, "created_at": moment,
        })  # fmt: skip
        current = target

    method = rng.choice(["card", "card", "cod", "invoice"])
    shipped = "ship" in times
    delivered = "deliver" in times
    paid = status != "cancelled" and ((method != "cod" and "confirm" in times) or delivered)
    refunded = Decimal(0)
    if paid and status in ("completed", "post_delivery") and rng.random() < 0.08:
        # Half, in the currency's own unit: whole dong, cents for dollars.
        refunded = computed_amount_round(total / 2, storefront.currency)

    stage_due = None
    deadlines: dict[str, str] = {}
    if "confirm" in times:
        due = times["confirm"]
        for stage, hours in zip(ACTIVE, (4, 8, 12, 20, 60), strict=True):
            due = due + timedelta(hours=hours)
            deadlines[stage] = due.isoformat()
    if status in ACTIVE:
        stage_due = datetime.fromisoformat(deadlines[status])
    copiers[Order].add({
        "id": order_id, "number": f"BM{index:010d}", "storefront_id": storefront.pk,
        "external_id": f"bench-{index}", "customer_id": customer_id,
        "shipping_address_id": address_id, "status": status,
        "payment_status": ("refunded" if refunded == total else "partially_refunded"
                           if refunded else "paid" if paid else "unpaid"),
        "payment_method": method, "version": len(transitions) + 1, "currency": storefront.currency,
        "subtotal": subtotal, "shipping_price": shipping, "total": total,
        "amount_paid": total if paid else Decimal(0), "amount_refunded": refunded,
        "held_from_status": held_from, "hold_reason": "stock_shortage" if held_from else "",
        "cancel_reason": "Customer changed their mind" if status == "cancelled" else "",
        "placed_at": placed_at, "confirmed_at": times.get("confirm"),
        "shipped_at": times.get("ship"), "delivered_at": times.get("deliver"),
        "closed_at": times.get("complete") or times.get("cancel"),
        "promised_delivery_date": datetime.fromisoformat(deadlines["shipped"]).date()
        if deadlines else None,
        "priority": "express" if index % 9 == 0 else "standard",
        "team_id": teams[index % len(teams)].pk if "confirm" in times else None,
        "stage_deadlines": deadlines, "stage_started_at": moment if stage_due else None,
        "stage_at_risk_at": stage_due - timedelta(hours=1) if stage_due else None,
        "stage_due_at": stage_due, "created_at": placed_at, "updated_at": moment,
    })  # fmt: skip

    shipment_id = None
    if shipped:
        shipment_id = _next(ids, Shipment)
        copiers[Shipment].add({
            "id": shipment_id, "order_id": order_id, "carrier_id": carriers[index % len(carriers)],
            "tracking_number": f"TN{index:010d}",
            "status": "delivered" if delivered else "in_transit",
            "created_at": times.get("mark_ready_to_ship", times["ship"]),
            "delivered_at": times.get("deliver"),
        })  # fmt: skip

    def ledger(kind: str, amount: Decimal, when: datetime, **extra: Any) -> None:
        copiers[LedgerEntry].add({
            "id": _next(ids, LedgerEntry), "storefront_id": storefront.pk, "order_id": order_id,
            "kind": kind, "amount": computed_amount_round(amount, storefront.currency),
            "currency": storefront.currency, "payment_method": method, "occurred_at": when,
            "created_at": when, **extra,
        })  # fmt: skip

    if paid:
        earned_at = times["deliver"] if method == "cod" else times["confirm"]
        ledger("revenue", total, earned_at)
        ledger("shipping_charged", shipping, earned_at)
    if shipped:
        ledger("carrier_cost", shipping * Decimal("0.7"), times["ship"], shipment_id=shipment_id)
        ledger("packaging_cost", Decimal("0.60") if usd else Decimal(8000), times["ship"])
    if refunded:
        ledger("refund", refunded, times.get("complete", moment))
