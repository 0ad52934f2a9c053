"""Staff sessions last a shift from login, and logging out takes a POST with CSRF."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from orders.roles import WAREHOUSE
from orders.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client() -> Client:
    user_with_role(WAREHOUSE, username="kim")
    client = Client()
    response = client.post("/dashboard/login/", {"username": "kim", "password": "secret-pass-123"})
    assert response.status_code == 302
    return client


def stored_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_a_session_ends_eight_hours_after_login_and_the_browser_keeps_no_cookie(staff_client):
    expires = stored_session(staff_client).expire_date
    cookie = staff_client.cookies["sessionid"]

    assert abs(expires - (timezone.now() + timedelta(hours=8))) < timedelta(minutes=1)
    # Ends with the browser too (shared terminals): no Max-Age or Expires on the cookie.
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"] is True


def test_working_does_not_prolong_the_session(staff_client):
    before = stored_session(staff_client).expire_date

    assert staff_client.get("/dashboard/board/").status_code == 200

    assert stored_session(staff_client).expire_date == before


def test_an_expired_session_is_sent_to_the_login_page(staff_client):
    Session.objects.filter(session_key=staff_client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = staff_client.get("/dashboard/board/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/login/?next=/dashboard/board/"


def test_logout_refuses_get(staff_client):
    response = staff_client.get("/dashboard/logout/")

    assert response.status_code == 405
    assert SESSION_KEY in staff_client.session


def test_logout_without_the_csrf_token_is_refused():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/dashboard/login/")
    client.post(
        "/dashboard/login/",
        {
            "username": "kim",
            "password": "secret-pass-123",
            "csrfmiddlewaretoken": login_page.context["csrf_token"],
        },
    )
    assert SESSION_KEY in client.session

    refused = client.post("/dashboard/logout/")
    board = client.get("/dashboard/board/")
    accepted = client.post(
        "/dashboard/logout/", {"csrfmiddlewaretoken": board.context["csrf_token"]}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert accepted["Location"] == "/dashboard/login/"
    assert SESSION_KEY not in client.session
