"""Answers for when a backing service is down: 503 for the database, fail-open for the cache.

A database outage (PostgreSQL restarting, failing over, refusing connections)
is not a bug in the request: it answers 503 with `Retry-After`, in the API's
JSON error shape under /api/ and as a short page elsewhere, and is logged.
Django drops a connection that failed (`close_if_unusable_or_obsolete` at the
end of the request, CONN_HEALTH_CHECKS at the start of the next), so the first
request after the database is back reconnects.

The cache (Redis) only holds rate-limit counters, so losing it must not fail a
request: callers catch `CACHE_ERRORS`, log a warning and let the request through.
"""

import logging
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from redis.exceptions import RedisError

from shared.errors import API_PREFIX, error_body

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_AFTER_SECONDS = 5

try:  # psycopg2 errors raised outside Django's wrapper (e.g. by code using psycopg2 directly)
    import psycopg2

    _DATABASE_ERRORS: tuple[type[BaseException], ...] = (
        OperationalError,
        InterfaceError,
        psycopg2.OperationalError,
        psycopg2.InterfaceError,
    )
except ImportError:  # pragma: no cover - SQLite-only installs
    _DATABASE_ERRORS = (OperationalError, InterfaceError)

# What the Redis cache backend raises when Redis is down or slow (OSError: a refused socket).
CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)


def is_database_outage(error: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached, not that the query was wrong."""
    return isinstance(error, _DATABASE_ERRORS)


def service_unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """Log the outage and answer 503: JSON under /api/, a short page elsewhere."""
    logger.error(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(
            error_body(
                "service_unavailable",
                "The service is briefly unavailable; retry in a few seconds.",
            ),
            status=503,
        )
    else:
        # No RequestContext: its context processors (user, messages) may need the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """Turn a database outage raised by a view into a 503 instead of a 500.

    Listed last in MIDDLEWARE, so its `process_exception` runs first. Outages
    raised by other middleware (sessions, authentication) reach handler500,
    which answers the same way (see `outage_response_for_current_exception`).
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return service_unavailable_response(request, exception)
        return None


def outage_response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """In handler500: a 503 when the exception being handled is a database outage."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        return service_unavailable_response(request, error)
    return None


def retry_through_database_outage(write: Callable[[], T], *, what: str, within: float = 15.0) -> T:
    """Run `write`; while the database is unreachable, retry it for at most `within` seconds.

    For the one write that records a side effect already done outside (an e-mail
    handed to the mail server, a webhook the storefront answered): lost to a
    database restart, it would leave the row pending and the sweeper would send
    the message again. `within` stays below the send leases (webhooks 40 s,
    notifications NOTIFICATION_LEASE_SECONDS), so no other worker takes the row
    meanwhile. Inside a transaction nothing is retried: the error is raised.
    """
    deadline = time.monotonic() + within
    delay = 0.25
    while True:
        try:
            return write()
        except _DATABASE_ERRORS as error:
            if connection.in_atomic_block or time.monotonic() + delay > deadline:
                raise
            logger.warning(
                "%s: database unavailable (%s), retrying in %.2f s",
                what,
                type(error).__name__,
                delay,
            )
            connection.close()  # a broken connection is replaced on the next query
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
