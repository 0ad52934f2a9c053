"""Brute-force protection of the staff logins (django-axes): dashboard and admin."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"
DASHBOARD_LOGIN = "/dashboard/login/"
ADMIN_LOGIN = "/admin/login/"
LOCKED = "Too many failed log-ins for this account from your address. Try again in 15 minutes"


@pytest.fixture(autouse=True)
def lockout_settings(settings):
    """The production defaults, pinned so a changed default does not pass unnoticed."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client: Client, username: str, password: str = PASSWORD, *, url: str = DASHBOARD_LOGIN):
    return client.post(url, {"username": username, "password": password})


def fail(client: Client, username: str, times: int, *, url: str = DASHBOARD_LOGIN) -> list[int]:
    return [log_in(client, username, "wrong-password", url=url).status_code for _ in range(times)]


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_the_fifth_wrong_password_locks_the_account_with_a_429_page_that_says_why():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(REMOTE_ADDR="10.0.0.1")

    assert fail(client, "kim", 4) == [200, 200, 200, 200]
    response = log_in(client, "kim", "wrong-password")

    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert 'id="login-errors"' in page
    assert 'name="username"' in page and 'value="kim"' in page  # still the login page
    assert AccessAttempt.objects.get(username="kim").failures_since_start == 5


def test_while_locked_the_right_password_is_refused():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail(client, "kim", 5)

    response = log_in(client, "kim")

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not logged_in(client)


def test_the_lock_holds_only_that_username_from_that_address():
    user_with_role(WAREHOUSE, username="kim")
    user_with_role(WAREHOUSE, username="lan")
    fail(Client(REMOTE_ADDR="10.0.0.1"), "kim", 5)

    colleague = Client(REMOTE_ADDR="10.0.0.1")
    kim_elsewhere = Client(REMOTE_ADDR="10.0.0.2")

    assert log_in(colleague, "lan").status_code == 302
    assert logged_in(colleague)
    assert log_in(kim_elsewhere, "kim").status_code == 302
    assert logged_in(kim_elsewhere)


def test_a_successful_login_forgets_the_earlier_failures():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail(client, "kim", 4)
    assert log_in(client, "kim").status_code == 302
    client.logout()

    assert fail(client, "kim", 4) == [200, 200, 200, 200]
    assert log_in(client, "kim").status_code == 302


def test_the_admin_login_locks_too_and_says_why_on_its_own_page():
    user_with_role(MANAGER, username="boss")
    client = Client(REMOTE_ADDR="10.0.0.1")

    assert fail(client, "boss", 4, url=ADMIN_LOGIN) == [200, 200, 200, 200]
    locked = log_in(client, "boss", "wrong-password", url=ADMIN_LOGIN)
    right_password = log_in(client, "boss", url=ADMIN_LOGIN)

    assert locked.status_code == 429
    assert right_password.status_code == 429
    page = right_password.content.decode()
    assert LOCKED in page
    assert 'id="lockout-message"' in page
    assert 'id="login-form"' in page  # the admin's login page, not a bare error
    assert not logged_in(client)


def test_failures_on_the_admin_and_the_dashboard_count_together():
    user_with_role(MANAGER, username="boss")
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail(client, "boss", 3, url=ADMIN_LOGIN)
    fail(client, "boss", 2, url=DASHBOARD_LOGIN)

    assert log_in(client, "boss").status_code == 429


def test_the_lock_ends_after_the_cool_off():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail(client, "kim", 5)
    assert log_in(client, "kim").status_code == 429

    # Sixteen minutes later (the attempts are dated back rather than waited for).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert log_in(client, "kim").status_code == 302
    assert logged_in(client)


def test_a_manager_unlocks_with_the_reset_command():
    user_with_role(WAREHOUSE, username="kim")
    client = Client(REMOTE_ADDR="10.0.0.1")
    fail(client, "kim", 5)

    call_command("axes_reset_username", "kim")

    assert log_in(client, "kim").status_code == 302


def test_a_manager_unlocks_in_the_admin_by_deleting_the_attempt():
    user_with_role(WAREHOUSE, username="kim")
    locked_out = Client(REMOTE_ADDR="10.0.0.1")
    fail(locked_out, "kim", 5)
    attempt = AccessAttempt.objects.get(username="kim")
    manager = Client()
    manager.force_login(user_with_role(MANAGER))

    listing = manager.get(reverse("admin:axes_accessattempt_changelist"))
    deleted = manager.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert "kim" in listing.content.decode()
    assert deleted.status_code == 302
    assert log_in(locked_out, "kim").status_code == 302


@pytest.mark.usefixtures("admin_open_to_every_role")  # even if they got in
def test_staff_other_than_managers_cannot_unlock_in_the_admin():
    user_with_role(WAREHOUSE, username="kim")
    fail(Client(REMOTE_ADDR="10.0.0.1"), "kim", 5)
    attempt = AccessAttempt.objects.get(username="kim")
    colleague = Client()
    colleague.force_login(user_with_role(WAREHOUSE))

    response = colleague.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_behind_a_proxy_the_forwarded_client_address_is_locked_not_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user_with_role(WAREHOUSE, username="kim")
    attacker = Client(REMOTE_ADDR="172.16.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    # Kim sits behind the same proxy; what she writes into the header herself is ignored.
    kim = Client(REMOTE_ADDR="172.16.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    fail(attacker, "kim", 5)

    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    assert log_in(kim, "kim").status_code == 302


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # no proxy: the header is the client's own
        (1, "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1", "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (2, "10.0.0.1", "198.51.100.7, 203.0.113.9", "198.51.100.7"),
        (2, "10.0.0.1", "203.0.113.9", "10.0.0.1"),  # fewer hops than proxies: not trusted
        (1, "10.0.0.1", "not-an-address", "10.0.0.1"),
        (0, "", "", None),  # a request built in code (force_login) has no address
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    settings, rf, proxies, remote, forwarded, expected
):
    from shared.network import client_address

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected
