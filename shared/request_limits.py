"""Refuse requests no view can serve, before any view or database sees them.

- A body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with more than
  DATA_UPLOAD_MAX_NUMBER_FIELDS fields) raises inside whichever code reads it
  first: a 500 in the API, a 400 on pages. Here it is read once, first, and
  refused with 413 (400 for too many fields).
- A NUL character in the path, the query string, a form field or a header:
  PostgreSQL refuses NUL in text, so a search, a filter or a lookup carrying one
  would fail as a database error. Refused with 400 naming the field.

Under /api/ the answer is the API's JSON error shape; elsewhere a short page.
"""

from collections.abc import Iterable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from shared.errors import API_PREFIX, error_body

FORM_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NUL = "\x00"


class RequestLimitsMiddleware:
    """Answer 413 for an oversized body and 400 for NUL characters, on every face."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            form_fields = _body_read(request)
        except RequestDataTooBig:
            return request_refused_response(
                request,
                413,
                "request_too_large",
                _("The request is too large."),
            )
        except (TooManyFieldsSent, TooManyFilesSent):
            return request_refused_response(
                request, 400, "bad_request", _("The request has too many fields.")
            )
        field = _field_with_nul(request, form_fields)
        if field is not None:
            return request_refused_response(
                request,
                400,
                "validation_error",
                _("Null characters are not allowed."),
                field=field,
            )
        return self.get_response(request)


def _body_read(request: HttpRequest) -> Iterable[tuple[str, list[str]]]:
    """Read the body within Django's limits; return the form fields it carries."""
    if request.method not in BODY_METHODS:
        return ()
    # The API reads JSON only: a form body there stays raw, for DRF to answer 415.
    # Django parses only POST bodies as forms; any other method's body is read raw,
    # so the size limit holds for a PUT or PATCH form too.
    if (
        request.method == "POST"
        and request.content_type in FORM_CONTENT_TYPES
        and not request.path.startswith(API_PREFIX)
    ):
        return request.POST.lists()
    request.body  # noqa: B018 - reading it is the check; views read the cached copy
    return ()


def _field_with_nul(
    request: HttpRequest, form_fields: Iterable[tuple[str, list[str]]]
) -> str | None:
    """Return where a NUL character is (a field or header name, or "path"), else None."""
    if NUL in request.path:
        return "path"
    for name, values in [*request.GET.lists(), *form_fields]:
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "")
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            return key.removeprefix("HTTP_").replace("_", "-").title()
    return None


def request_refused_response(
    request: HttpRequest, status: int, code: str, message: str, *, field: str | None = None
) -> HttpResponse:
    """Refuse the request: the API's JSON error shape under /api/, a short page elsewhere."""
    if request.path.startswith(API_PREFIX):
        details = {field: [message]} if field else {}
        summary = _("Some fields are invalid.") if code == "validation_error" else message
        return JsonResponse(error_body(code, str(summary), details), status=status)
    # No RequestContext: the session and user are not loaded yet, and need not be.
    page = render_to_string("request_refused.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)
