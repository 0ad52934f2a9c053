"""The admin's bad-filter 400 covers filters only: our own bugs on list pages stay 500s."""

import pytest
from django.test import RequestFactory
from django.urls import resolve

from backoffice.middleware import AdminListFilterMiddleware

CHANGELIST = "/admin/orders/order/"


def _request(method: str, path: str):
    request = getattr(RequestFactory(), method)(path)
    request.resolver_match = resolve(CHANGELIST)
    return request


@pytest.mark.parametrize(
    ("method", "path", "refused"),
    [
        ("get", CHANGELIST + "?placed_at__year=0", True),
        ("get", CHANGELIST, False),  # no filter: a ValueError is a bug in a column
        ("post", CHANGELIST + "?placed_at__year=0", False),  # an action's own error
    ],
)
def test_only_a_filtered_list_turns_a_value_error_into_400(method, path, refused):
    middleware = AdminListFilterMiddleware(lambda request: None)

    answer = middleware.process_exception(_request(method, path), ValueError("boom"))

    assert (answer is not None and answer.status_code == 400) is refused
