"""Test-only URLs: the project's plus views that log and crash (never routed in production)."""

import logging

from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from orders_project.urls import handler404, handler500  # noqa: F401 - Django reads them here
from orders_project.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger(__name__)


class CrashForTest(Exception):
    """Raised by the crash views; its name is what the Sentry test looks for."""


def log_line(request: HttpRequest) -> JsonResponse:
    logger.info("test view says hello", extra={"order_number": "ORD-42"})
    return JsonResponse({"ok": True})


@csrf_exempt  # the Sentry test posts a customer's data to check it is not sent
def crash(request: HttpRequest) -> JsonResponse:
    raise CrashForTest("the test view crashed on purpose")


def database_lost(request: HttpRequest) -> JsonResponse:
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("test/log/", log_line),
    path("test/database-lost/", database_lost),
    path("api/v1/test/database-lost/", database_lost),
    path("test/crash/", crash),
    path("api/v1/test/crash/", crash),
    *project_urlpatterns,
]
