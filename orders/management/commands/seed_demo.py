"""`manage.py seed_demo`: load every app's demo data (run by `orders.demo`) and print the logins."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orders.demo import DEMO_BASE_URL, DemoSeedResult, demo_data_seed

# Loggers that write a line per order event; hundreds of orders would bury the logins.
_CHATTY_LOGGERS = ["orders.tasks", "orders.services", "celery.app.trace"]


class Command(BaseCommand):
    help = (
        "Create the demo storefronts, one staff user per role (with published passwords) "
        "and orders in every status. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orders",
            type=int,
            default=300,
            help="How many orders to create when the demo storefronts have none (default 300).",
        )
        parser.add_argument(
            "--base-url",
            default=DEMO_BASE_URL,
            help=f"Where the app is served, for the links printed (default {DEMO_BASE_URL}).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even though DEBUG is off. The demo passwords are public.",
        )

    def handle(
        self, *args: Any, orders: int, base_url: str, allow_production: bool, **options: Any
    ) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to seed demo data while DEBUG is off: it creates staff users whose "
                "passwords are published. Use --allow-production only on a throwaway database."
            )
        if orders < 0:
            raise CommandError("--orders must be 0 or more.")

        started = time.monotonic()
        with _quiet(_CHATTY_LOGGERS, keep=options["verbosity"] >= 2):
            result = demo_data_seed(orders=orders, stdout=self.stdout)
        self._summary_write(result, seconds=time.monotonic() - started, base_url=base_url)

    def _summary_write(self, result: DemoSeedResult, *, seconds: float, base_url: str) -> None:
        self.stdout.write(f"\nDone in {seconds:.1f} s; {result.orders_created} orders created.")
        self.stdout.write("\nOrders of the demo storefronts by status:")
        for status, count in result.status_counts.items():
            self.stdout.write(f"  {status:<15} {count:>5}")
        self.stdout.write(f"  {'total':<15} {sum(result.status_counts.values()):>5}")

        base = base_url.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                f"\nStaff dashboard: {base}/dashboard/\nAdmin (managers): {base}/admin/\n"
                f"Customer tracking page: {base}/track/\n"
            )
        )
        header = ("Username", "Password", "Role")
        rows = [(a.username, a.password, a.role) for a in result.accounts]
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(f"  {cells}".rstrip())


@contextmanager
def _quiet(logger_names: list[str], *, keep: bool) -> Iterator[None]:
    """Raise the given loggers to WARNING for the block, unless asked to keep them."""
    if keep:
        yield
        return
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
