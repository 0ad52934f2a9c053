"""Benchmark: a month's finance report over BENCH_ORDERS orders (default 100,000) on PostgreSQL.

Loads the orders with benchmarks.generate into the scratch database (`make
bench-report` creates `orders_bench`), then makes one report run the way the
worker does while a second thread samples its progress, and writes
benchmarks/finance_report.json.
"""

import json
import os
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_project.settings")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks.generate import generate  # noqa: E402
from orders.models import Order  # noqa: E402
from reports.models import ReportRun  # noqa: E402
from reports.services import report_run_make_now  # noqa: E402

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
BATCH = 5000
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
ZONE = ZoneInfo(settings.TIME_ZONE)
HERE = Path(__file__).resolve().parent


def _run_report() -> dict:
    end = date.today().replace(day=1) - timedelta(days=1)
    run = ReportRun.objects.create(
        trigger="on_demand", period_start=end.replace(day=1), period_end=end
    )
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
    generate(ORDERS)
    result = _run_report()
    (HERE / "finance_report.json").write_text(json.dumps(result, indent=2) + "\n")
    verdict = "meets" if result["seconds"] <= result["target_seconds"] else "MISSES"
    print(
        f"Month report over {result['orders_in_db']:,} orders: {result['seconds']} s "
        f"({verdict} the 60 s target); progress seen: {result['progress_values_seen']}"
    )


if __name__ == "__main__":
    main()
