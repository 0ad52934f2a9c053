"""`manage.py seed_demo`: load every app's demo data (run by `orders.demo`) and print the logins."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings
from django.urls import reverse

from orders.demo import DemoSeedResult, demo_data_seed
from orders.links import tracking_url

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
            default=None,
            help=(
                "Where the app is served (make run passes its HOST and PORT): the links "
                "printed, and those in the e-mails sent while seeding, point there. "
                "Default: the PUBLIC_BASE_URL setting."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even though DEBUG is off. The demo passwords are public.",
        )

    def handle(
        self,
        *args: Any,
        orders: int,
        base_url: str | None,
        allow_production: bool,
        **options: Any,
    ) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to seed demo data while DEBUG is off: it creates staff users whose "
                "passwords are published. Use --allow-production only on a throwaway database."
            )
        if orders < 0:
            raise CommandError("--orders must be 0 or more.")
        base = _base_url_check(base_url or settings.PUBLIC_BASE_URL)

        started = time.monotonic()
        # E-mails sent while seeding (tasks run in this process without a broker) and
        # the links printed below point where the app is served. Nothing stores a link:
        # later e-mails and API answers build theirs from PUBLIC_BASE_URL when made.
        with (
            override_settings(PUBLIC_BASE_URL=base),
            _quiet(_CHATTY_LOGGERS, keep=options["verbosity"] >= 2),
        ):
            result = demo_data_seed(orders=orders, stdout=self.stdout)
            self._summary_write(result, seconds=time.monotonic() - started, base=base)

    def _summary_write(self, result: DemoSeedResult, *, seconds: float, base: str) -> None:
        self.stdout.write(f"\nDone in {seconds:.1f} s; {result.orders_created} orders created.")
        self.stdout.write("\nOrders of the demo storefronts by status:")
        for status, count in result.status_counts.items():
            self.stdout.write(f"  {status:<15} {count:>5}")
        self.stdout.write(f"  {'total':<15} {sum(result.status_counts.values()):>5}")

        links = [
            f"Staff dashboard: {base}/dashboard/",
            f"Admin (managers): {base}/admin/",
            f"Customer tracking page: {base}/track/",
        ]
        order = result.showcase_order
        if order is not None:
            links.append(f"Tracking link of order {order.number}: {tracking_url(order)}")
        if result.bulk_job is not None:
            path = reverse("dashboard:bulk-job", args=[result.bulk_job.pk])
            links.append(f"A finished bulk job (log in as manager): {base}{path}")
        self.stdout.write(self.style.SUCCESS("\n" + "\n".join(links) + "\n"))
        if order is not None and result.api_key:
            self.stdout.write(
                f"Storefront API (Demo Shop's published key):\n"
                f'  curl -H "Authorization: Api-Key {result.api_key}" '
                f"{base}/api/v1/orders/{order.number}/\n"
            )
        header = ("Username", "Password", "Role")
        rows = [(a.username, a.password, a.role) for a in result.accounts]
        widths = [max(len(row[column]) for row in [header, *rows]) for column in range(3)]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            cells = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(f"  {cells}".rstrip())


def _base_url_check(base_url: str) -> str:
    """Return `base_url` without its trailing slash, or refuse one that is not a site's root."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise CommandError(
            f"--base-url {base_url!r} is not an http(s) address such as http://127.0.0.1:8000."
        )
    return base_url.rstrip("/")


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
