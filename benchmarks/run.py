"""`make bench`: load BENCH_ORDERS orders into a scratch PostgreSQL database and measure.

Writes benchmarks/results.json (one object per measurement: name, orders_in_db,
samples, median_ms, p95_ms and, where a floor exists, floor_median_ms and
ratio) and benchmarks/RESULTS.md (the same as a table, with each target).
"""

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")
# Measured as production runs: DEBUG off (no query log, cached templates), plain HTTP in process.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.generate import generate  # noqa: E402
from fulfillment.models import Shipment  # noqa: E402
from orders.links import tracking_token_make  # noqa: E402
from orders.models import Order, OrderStatus, Storefront, Team  # noqa: E402
from orders.roles import MANAGER  # noqa: E402
from orders.services import order_transition, storefront_create  # noqa: E402
from orders.tests.factories import user_with_role  # noqa: E402
from orders_project.runtime import loaded_objects_freeze  # noqa: E402
from reports.models import ReportRun  # noqa: E402
from reports.services import report_run_make_now  # noqa: E402
from shared.outbox import enqueued_soon_flush  # noqa: E402

HERE = Path(__file__).resolve().parent
ORDERS = int(os.environ.get("BENCH_ORDERS", "1000000"))
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))
rng = random.Random(7)  # noqa: S311 - which orders to sample, not a secret


def _ms(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1000, 2), round(p95 * 1000, 2)


def _result(name: str, what: str, timings: list[float], **extra: object) -> dict:
    median, p95 = _ms(timings)
    result = {
        "name": name,
        "what": what,
        "orders_in_db": ORDERS_IN_DB,
        "samples": len(timings),
        "median_ms": median,
        "p95_ms": p95,
        **extra,
    }
    if "floor" in extra:
        floor_median, floor_p95 = _ms(extra.pop("floor"))
        result.pop("floor")
        result.update(
            floor_median_ms=floor_median,
            floor_p95_ms=floor_p95,
            ratio=round(median / floor_median, 2),
        )
    return result


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


# -- a transition through the service against the same writes in raw SQL ---------------

FLOOR_SQL = [
    ("SELECT id, version FROM orders_order WHERE id = %(id)s FOR UPDATE", False),
    (
        "UPDATE orders_order SET status = 'picking', version = version + 1, "
        "updated_at = now(), stage_started_at = now() WHERE id = %(id)s",
        False,
    ),
    (
        "INSERT INTO orders_orderevent (order_id, event_type, transition, from_status, "
        "to_status, reason, note, customer_visible, data, created_at) VALUES (%(id)s, "
        "'status_changed', 'start_picking', 'processing', 'picking', '', '', true, '{}', now())",
        False,
    ),
    (
        "INSERT INTO orders_webhookevent (id, storefront_id, order_id, event_type, payload, "
        "status, attempts, next_attempt_at, created_at, last_error) VALUES "
        "(gen_random_uuid(), %(storefront)s, %(id)s, 'order.status_changed', '{}', 'pending', "
        "0, now(), now(), '')",
        False,
    ),
]


def transition_results(samples: int) -> list[dict]:
    """start_picking through order_transition vs its writes as four raw statements."""
    candidates = list(
        Order.objects.filter(status=OrderStatus.PROCESSING, storefront__code__startswith="bench")
        .order_by("?")
        .values_list("pk", "storefront_id")[: 2 * samples + 20]
    )
    service, floor = candidates[: samples + 10], candidates[samples + 10 :]
    timings, floor_timings = [], []

    def raw(pk: int, storefront: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql, _ in FLOOR_SQL:
                cursor.execute(sql, {"id": pk, "storefront": storefront})

    # One of each in turn, so that the machine's load at any moment weighs on both alike.
    for index, ((pk, _), (floor_pk, storefront)) in enumerate(zip(service, floor, strict=False)):
        spent = _timed(
            lambda pk=pk: order_transition(order=pk, transition="start_picking", actor=None)
        )
        # Its webhook message leaves from the background publisher after the answer;
        # let it go before the floor's turn, so the floor is not charged for it.
        enqueued_soon_flush()
        floor_spent = _timed(lambda pk=floor_pk, storefront=storefront: raw(pk, storefront))
        if index >= 10:
            timings.append(spent)
            floor_timings.append(floor_spent)
    return [
        _result(
            "transition_service",
            "start_picking through order_transition (lock, transition, event, outbox)",
            timings,
            floor=floor_timings,
            target="ratio <= 3",
            meets=None,
        )
    ]


# -- pages at full size ------------------------------------------------------------------


def page_results(samples: int) -> list[dict]:
    manager = user_with_role(MANAGER, username=f"bench-manager-{int(time.time())}")
    staff = Client()
    staff.force_login(manager)
    team = Team.objects.filter(code__startswith="bench").first()
    storefront = Storefront.objects.get(code="bench-vn")
    _, key = storefront_create(name=f"Bench API {int(time.time())}")
    # The API list reads one storefront's orders: give the key the benchmark storefront's.
    from orders.models import StorefrontAPIKey

    api_key = StorefrontAPIKey.objects.get(prefix=key.split(".")[0])
    api_key.storefront = storefront
    api_key.save(update_fields=["storefront"])
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")

    max_id = Order.objects.order_by("-pk").values_list("pk", flat=True).first()
    tracking = list(
        Shipment.objects.filter(
            pk__in=[rng.randint(1, max_id) for _ in range(samples * 3)]
        ).values_list("tracking_number", flat=True)[: samples + 10]
    )
    numbers = list(
        Order.objects.filter(
            pk__in=[rng.randint(1, max_id) for _ in range(samples * 2)]
        ).values_list("number", flat=True)[: samples + 10]
    )
    tokens = [tracking_token_make(Order(number=number)) for number in numbers]

    def measure(name: str, what: str, requests: list[Callable[[], object]]) -> dict:
        timings = []
        for index, request in enumerate(requests):
            started = time.perf_counter()
            response = request()
            spent = time.perf_counter() - started
            if response.status_code not in (200, 302):
                raise RuntimeError(f"{name}: {response.status_code} {response.content[:300]!r}")
            if index >= 10:
                timings.append(spent)
        return _result(name, what, timings, target="p95 < 150 ms", meets=None)

    queue = f"/dashboard/queue/processing/?team={team.pk}&payment_status=unpaid&sort=overdue"
    return [
        measure(
            "board",
            "the board, every stage, all orders",
            [lambda: staff.get("/dashboard/board/")] * (samples + 10),
        ),
        measure(
            "queue_filtered",
            "a queue page filtered by team and payment status",
            [lambda: staff.get(queue)] * (samples + 10),
        ),
        measure(
            "search_tracking_number",
            "search by tracking number (jumps to the order)",
            [lambda t=t: staff.get("/dashboard/board/", {"q": t}) for t in tracking],
        ),
        measure(
            "tracking_page",
            "a customer's tracking page",
            [lambda t=t: Client().get(f"/track/{t}/") for t in tokens],
        ),
        measure(
            "api_list",
            "the storefront API's order list (first page of 50)",
            [lambda: api.get("/api/v1/orders/", {"page_size": 50})] * (samples + 10),
        ),
    ]


# -- the month's finance report ------------------------------------------------------------


def report_results(samples: int = 3) -> list[dict]:
    today = timezone.localdate()
    end = today.replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    timings = []
    for _ in range(samples):
        run = ReportRun.objects.create(trigger="on_demand", period_start=start, period_end=end)
        timings.append(_timed(lambda run=run: report_run_make_now(run.pk)))
        if ReportRun.objects.get(pk=run.pk).status != "done":
            raise RuntimeError(ReportRun.objects.get(pk=run.pk).error)
    return [
        _result(
            "finance_report_month",
            f"the finance report for {start:%B %Y}, all files",
            timings,
            target="median < 20000 ms",
            meets=None,
        )
    ]


# -- writing the results -------------------------------------------------------------------


def _verdicts(results: list[dict]) -> None:
    for result in results:
        target = result.get("target", "")
        if target.startswith("ratio"):
            result["meets"] = result["ratio"] <= 3
        elif target.startswith("p95"):
            result["meets"] = result["p95_ms"] < 150
        elif target.startswith("median"):
            result["meets"] = result["median_ms"] < 20000


def _write(results: list[dict], load_seconds: float | None) -> None:
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        "# Benchmark results",
        "",
        f"`make bench` on {date.today():%Y-%m-%d}, {ORDERS_IN_DB:,} orders in PostgreSQL "
        f"{connection.pg_version // 10000}, this machine ({os.cpu_count()} cores).",
        "",
    ]
    if load_seconds is not None:
        lines += [f"Loading the orders took {load_seconds:.0f} s.", ""]
    lines += [
        f"This machine's speed during the run: {MACHINE_LOOP_SECONDS:.2f} s for a pure-Python "
        "loop of 10 million additions. The machine is shared and its speed varies from run to "
        "run: the Python side of each measurement scales with this figure, raw SQL floors less.",
        "",
    ]
    lines += [
        "| what | how many | samples | median ms | p95 ms | floor median ms | ratio | target "
        "| meets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['what']} | {r['orders_in_db']:,} | {r['samples']} | {r['median_ms']} | "
            f"{r['p95_ms']} | {r.get('floor_median_ms', '')} | {r.get('ratio', '')} | "
            f"{r.get('target', '')} | {'yes' if r.get('meets') else 'NO'} |"
        )
    lines += [
        "",
        "Floors, measured in the same run, alternating with what they are the floor of:",
        "",
        "- a transition: its writes as raw SQL in one transaction (lock, update, event, "
        "outbox row);",
        "- order creation: `POST /bench/floor-api/`, a storefront API endpoint that only "
        "authenticates the key, throttles, parses and answers JSON and inserts one row.",
    ]
    lines += [
        f"  Against a bare Django view that inserts one row (`POST /bench/floor/`, "
        f"{r['bare_floor_median_ms']} ms), {r['what']} is {r['bare_ratio']}x."
        for r in results
        if "bare_ratio" in r
    ]
    lines += [
        f"- {r['what']}: {r['rounds']} rounds, each with its own gunicorn; their ratios "
        f"{', '.join(str(ratio) for ratio in r['round_ratios'])} (the table pools their times)."
        for r in results
        if "round_ratios" in r
    ]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")


ORDERS_IN_DB = 0
MACHINE_LOOP_SECONDS = 0.0


def _machine_loop_seconds() -> float:
    """Seconds for a fixed pure-Python loop: how fast this (shared) machine runs now."""
    started = time.perf_counter()
    total = 0
    for number in range(10_000_000):
        total += number
    return time.perf_counter() - started


def main() -> None:
    global ORDERS_IN_DB, MACHINE_LOOP_SECONDS
    if connection.vendor != "postgresql":
        sys.exit("make bench needs PostgreSQL (a scratch database; see the Makefile).")
    Storefront.objects.filter(code__startswith="bench").update(webhook_url="")
    started = time.monotonic()
    before = Order.objects.filter(storefront__code__startswith="bench").count()
    generate(ORDERS)
    load_seconds = time.monotonic() - started
    load_file = HERE / "load.json"
    if before < ORDERS:
        load_file.write_text(json.dumps({"orders": ORDERS, "seconds": round(load_seconds)}) + "\n")
    elif load_file.exists():  # loaded by an earlier run: quote that load
        load_seconds = json.loads(load_file.read_text())["seconds"]
    else:
        load_seconds = None
    # Each transition writes its storefront's webhook outbox row, as a live shop's would.
    Storefront.objects.filter(code__startswith="bench").update(
        webhook_url="http://127.0.0.1:9/bench-hook"
    )
    ORDERS_IN_DB = Order.objects.count()
    # As orders_project/wsgi.py does in every server process before its first request;
    # this process has also just made millions of rows' worth of garbage.
    loaded_objects_freeze()
    print(f"{ORDERS_IN_DB:,} orders; measuring...", flush=True)
    MACHINE_LOOP_SECONDS = _machine_loop_seconds()
    results = []
    results += transition_results(samples=max(SAMPLES, 50))
    print(results[-1], flush=True)
    results += page_results(samples=SAMPLES)
    for result in results[-5:]:
        print(result, flush=True)
    results += report_results()
    print(results[-1], flush=True)
    if os.environ.get("BENCH_SKIP_API") != "1":
        from benchmarks.api_creation import api_creation_results

        results += api_creation_results(
            database_url=os.environ["DATABASE_URL"],
            # A Redis database no worker reads: the benchmark's notifications stay queued there.
            redis_url=os.environ.get("BENCH_API_REDIS_URL", "redis://127.0.0.1:6379/15"),
            orders_in_db=ORDERS_IN_DB,
            samples=max(SAMPLES * 3, 300),
            rounds=int(os.environ.get("BENCH_API_ROUNDS", "3")),
            # Into the big storefront, so per-storefront lookups see its 500,000 customers.
            storefront_code="bench-vn",
        )
        whats = {
            "api_create_sequential": "order creation through the API, one client (gunicorn)",
            "api_create_8_clients": "order creation through the API, 8 concurrent clients",
        }
        for result in results[-2:]:
            result.setdefault("what", whats.get(result["name"], result["name"]))
            result.setdefault("target", "ratio <= 3")
            print(result, flush=True)
    _verdicts(results)
    _write(results, load_seconds)
    print((HERE / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
