"""Admin list pages answer an impossible filter with 400, whichever model they list."""

import logging

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from shared.request_limits import request_refused_response

logger = logging.getLogger(__name__)

# What a date or number lookup raises for a value the database or Python cannot hold:
# `?placed_at__year=0` (ValueError: year 0 is out of range), a year past 9999, a day
# number past the C int. On a list page only the query string can cause them.
_FILTER_ERRORS = (IncorrectLookupParameters, ValidationError, ValueError, OverflowError)


class AdminListFilterMiddleware:
    """Turn a changelist's bad filter into a 400 page instead of a 500 or Django's redirect.

    Django catches the filters it can check (IncorrectLookupParameters) and redirects
    to `?e=1`, which renders "Database error" with 200; the ones it cannot check
    (a date hierarchy year of 0, a year past 9999) escape as a 500. Both become a
    400 that says the filter is wrong, for every ModelAdmin, ours and third-party.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _is_changelist(request) and (
            ERROR_FLAG in request.GET
            or (
                response.status_code == 302
                and response.get("Location", "").endswith(f"?{ERROR_FLAG}=1")
            )
        ):
            return _refused(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # Only a filtered GET: a ValueError from an action (POST) or from a list
        # with no filter is a bug of ours and must stay a 500 that reaches the logs.
        if (
            request.method == "GET"
            and request.GET
            and _is_changelist(request)
            and isinstance(exception, _FILTER_ERRORS)
        ):
            logger.warning(
                "admin list filter refused: %s", request.get_full_path(), exc_info=exception
            )
            return _refused(request)
        return None


def _is_changelist(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        match is not None
        and match.namespace == "admin"
        and (match.url_name or "").endswith("_changelist")
    )


def _refused(request: HttpRequest) -> HttpResponse:
    return request_refused_response(
        request,
        400,
        "bad_request",
        _("This list cannot be filtered that way; check the dates and numbers in the address."),
    )
