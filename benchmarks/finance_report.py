"""Benchmark: a month's finance report over BENCH_ORDERS orders (default 100,000) on PostgreSQL.

Loads the orders with their customers, addresses and ledger entries by batched
bulk inserts into the database of DATABASE_URL (use a scratch database: `make
bench-report` creates `orders_bench`), then makes one report run the way the
worker does while a second thread samples its progress, and writes
benchmarks/finance_report.json and a line for RESULTS.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orders_bench python -m benchmarks.finance_report
"""

import json
import os
import random
import sys
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from customers.models import Address, Customer  # noqa: E402
from orders.models import Order, Storefront  # noqa: E402
from reports.models import LedgerEntry, LedgerKind, ReportRun  # noqa: E402
from reports.services import report_run_make_now  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
BATCH = 5000
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
ZONE = ZoneInfo(settings.TIME_ZONE)
HERE = Path(__file__).resolve().parent


def _load(rng: random.Random) -> None:
    """Orders spread over three months around the reported one, each with its ledger rows."""
    storefronts = [
        Storefront.objects.get_or_create(code=code, defaults={"name": code, "currency": currency})[
            0
        ]
        for code, currency in [("bench-vn", "VND"), ("bench-us", "USD")]
    ]
    existing = Order.objects.filter(storefront__in=storefronts).count()
    if existing >= ORDERS:
        print(f"{existing} benchmark orders already loaded")
        return
    start = datetime(2026, 9, 1, tzinfo=ZONE)
    methods = ["card", "cod", "invoice"]
    made = existing
    started = time.monotonic()
    while made < ORDERS:
        size = min(BATCH, ORDERS - made)
        with transaction.atomic():
            customers = Customer.objects.bulk_create(
                Customer(
                    storefront=storefronts[(made + i) % 2],
                    email=f"bench{made + i}@example.com",
                    name=f"Bench {made + i}",
                )
                for i in range(size)
            )
            addresses = Address.objects.bulk_create(
                Address(
                    customer=customer,
                    name=customer.name,
                    line1="1 Bench St",
                    city="HCMC",
                    postal_code=f"{700000 + rng.randint(0, 99999)}",
                    country=rng.choice(["VN", "VN", "VN", "SG", "US"]),
                )
                for customer in customers
            )
            orders = []
            for i, (customer, address) in enumerate(zip(customers, addresses, strict=True)):
                storefront = storefronts[(made + i) % 2]
                total = Decimal(rng.randint(1000, 900000)) / (
                    100 if storefront.currency == "USD" else 1
                )
                orders.append(
                    Order(
                        number=f"BN{made + i:010d}",
                        storefront=storefront,
                        external_id=f"bench-{made + i}",
                        customer=customer,
                        shipping_address=address,
                        payment_method=rng.choice(methods),
                        currency=storefront.currency,
                        subtotal=total,
                        total=total,
                        placed_at=start + timedelta(minutes=rng.uniform(0, 91 * 24 * 60)),
                    )
                )
            orders = Order.objects.bulk_create(orders)
            entries = []
            for order in orders:
                when = order.placed_at + timedelta(hours=rng.uniform(1, 96))
                common = {
                    "storefront_id": order.storefront_id,
                    "order": order,
                    "currency": order.currency,
                    "payment_method": order.payment_method,
                }
                entries.append(
                    LedgerEntry(
                        kind=LedgerKind.REVENUE, amount=order.total, occurred_at=when, **common
                    )
                )
                entries.append(
                    LedgerEntry(
                        kind=LedgerKind.CARRIER_COST,
                        amount=order.total / 20,
                        occurred_at=when,
                        **common,
                    )
                )
                entries.append(
                    LedgerEntry(
                        kind=LedgerKind.PACKAGING_COST,
                        amount=order.total / 50,
                        occurred_at=when,
                        **common,
                    )
                )
                if order.payment_method == "cod" and rng.random() < 0.7:
                    entries.append(
                        LedgerEntry(
                            kind=LedgerKind.COD_COLLECTED,
                            amount=order.total,
                            occurred_at=when + timedelta(days=3),
                            **common,
                        )
                    )
                if rng.random() < 0.1:
                    entries.append(
                        LedgerEntry(
                            kind=LedgerKind.REFUND,
                            amount=(order.total / 2).quantize(Decimal("0.01")),
                            occurred_at=when + timedelta(days=5),
                            **common,
                        )
                    )
            LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
        made += size
        print(f"  loaded {made}/{ORDERS} orders ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _run_report() -> dict:
    run = ReportRun.objects.create(trigger="on_demand", period_start=MONTH[0], period_end=MONTH[1])
    samples: list[int] = []
    done = threading.Event()

    def watch() -> None:
        from django.db import connections

        while not done.is_set():
            samples.append(
                ReportRun.objects.filter(pk=run.pk).values_list("progress", flat=True).get()
            )
            time.sleep(0.2)
        connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    finished = report_run_make_now(run.pk)
    seconds = time.monotonic() - started
    done.set()
    watcher.join()
    distinct = sorted(set(samples))
    return {
        "name": "finance_report_month",
        "orders_in_db": Order.objects.count(),
        "status": finished.status,
        "seconds": round(seconds, 2),
        "progress_values_seen": distinct,
        "target_seconds": 60,
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL (a scratch database).")
    _load(random.Random(2026))  # noqa: S311 - repeatable data, not a secret
    result = _run_report()
    (HERE / "finance_report.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = "meets" if result["seconds"] <= result["target_seconds"] else "MISSES"
    print(
        f"Month report over {result['orders_in_db']:,} orders: {result['seconds']} s "
        f"({verdict} the 60 s target); progress seen: {result['progress_values_seen']}"
    )


if __name__ == "__main__":
    main()
