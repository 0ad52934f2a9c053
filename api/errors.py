"""One JSON error shape for everything under /api/.

`{"error": {"code": "...", "message": "...", "details": {...}}}`: from DRF's
exceptions, from the domain's `OrderError`s, and from Django itself (unknown
URL, unhandled exception), whatever DEBUG says.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shared.errors import API_PREFIX, OrderError, error_body
from shared.outages import is_database_outage, outage_response_for_current_exception

logger = logging.getLogger(__name__)

# DRF answers Django's Http404 and PermissionDenied too, turning them into its own
# exceptions inside its handler; the original is what reaches the lookup below.
_CODES: list[tuple[type[Exception], str]] = [
    (Http404, "not_found"),
    (DjangoPermissionDenied, "permission_denied"),
    (exceptions.ParseError, "validation_error"),
    (exceptions.ValidationError, "validation_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def flatten_details(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested errors into {"lines[1].quantity": ["..."]}, one key per bad field."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list serializer's errors, keyed by index
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_details(value, name))
    elif (
        isinstance(detail, list) and detail and all(not isinstance(i, dict | list) for i in detail)
    ):
        flat.setdefault(prefix or "non_field_errors", []).extend(str(item) for item in detail)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_details(value, f"{prefix}[{index}]"))
    elif detail:
        flat.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return flat


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's exception handler, answering in the documented shape."""
    if isinstance(exc, OrderError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unhandled: ApiErrorMiddleware logs it and answers 500
    code = next((code for kind, code in _CODES if isinstance(exc, kind)), "error")
    if isinstance(exc, exceptions.ValidationError):
        message, details = "Some fields are invalid.", flatten_details(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        message, details = str(exc.detail), {}
    elif isinstance(exc, exceptions.Throttled):
        message, details = "Too many requests.", {"retry_after_seconds": exc.wait}
    else:
        message, details = str(getattr(exc, "detail", exc)), {}
    response.data = error_body(code, message, details)
    return response


# Errors Django answers itself (bad Host header, CSRF, unknown URL, a crash).
_DJANGO_ERRORS = {
    400: ("bad_request", "The request could not be understood."),
    403: ("permission_denied", "You may not do this."),
    404: ("not_found", "No such endpoint or object."),
    405: ("method_not_allowed", "This method is not allowed here."),
    500: ("server_error", "Something went wrong on our side; it is logged."),
}


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


class ApiErrorMiddleware:
    """Answer /api/ requests that Django itself fails (no such URL, a crash) in the API's shape.

    Django's handler404/handler500 are not used while DEBUG is on, so this
    works in the middleware instead, the same way in development and production.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code, message = _DJANGO_ERRORS.get(
                response.status_code, ("error", "The request failed.")
            )
            return _json_error(response.status_code, code, message)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:

        if not request.path.startswith(API_PREFIX) or is_database_outage(exception):
            return None  # a database outage is a 503 (DatabaseOutageMiddleware), not a crash
        if isinstance(exception, Http404):
            return _json_error(404, "not_found", "No such endpoint or object.")
        if isinstance(exception, DjangoPermissionDenied):
            return _json_error(403, "permission_denied", "You may not do this.")
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _json_error(500, "server_error", "Something went wrong on our side; it is logged.")


def api_or_html_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/, Django's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _json_error(404, "not_found", "No such endpoint or object.")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def api_or_html_500(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, Django's page elsewhere; a database outage is a 503."""

    outage = outage_response_for_current_exception(request)
    if outage is not None:  # raised outside a view (session or auth middleware)
        return outage
    if request.path.startswith(API_PREFIX):
        return _json_error(500, "server_error", "Something went wrong on our side; it is logged.")
    from django.views.defaults import server_error

    return server_error(request)
