"""Who may enter the admin site: superusers and managers (orders.roles.ADMIN_ROLES)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

NOT_AUTHORISED = "but are not authorized to access this page"


def admin_user(kind: str):
    if kind == "superuser":
        return UserFactory(is_superuser=True)
    if kind == "no role":
        return UserFactory()
    return user_with_role(kind)


def admin_index_for(kind: str) -> tuple[Client, object]:
    client = Client()
    client.force_login(admin_user(kind))
    return client, client.get("/admin/")


@pytest.mark.parametrize(
    ("kind", "admitted"),
    [
        (MANAGER, True),
        ("superuser", True),
        (WAREHOUSE, False),
        (CUSTOMER_CARE, False),
        (FINANCE, False),
        ("no role", False),
    ],
)
def test_the_admin_is_for_managers_only(kind, admitted):
    client, response = admin_index_for(kind)

    assert (response.status_code == 200) is admitted
    if not admitted:
        assert response["Location"] == "/admin/login/?next=/admin/"
        assert NOT_AUTHORISED in client.get(response["Location"]).content.decode()
        assert client.get("/admin/orders/order/").status_code == 302


def test_staff_in_no_role_are_sent_to_the_admin_login_which_says_why():
    client, response = admin_index_for("no role")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    assert NOT_AUTHORISED in client.get(response["Location"]).content.decode()
    # Nor can they reach a model page directly.
    assert client.get("/admin/orders/order/").status_code == 302


@pytest.mark.parametrize("role", [None, WAREHOUSE])
def test_the_admin_login_form_refuses_staff_who_are_not_managers(role):
    if role is None:
        UserFactory(username="temp")
    else:
        user_with_role(role, username="temp")
    client = Client()

    response = client.post("/admin/login/", {"username": "temp", "password": "secret-pass-123"})

    assert response.status_code == 200
    assert "This account may not use the admin site." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_manager_logs_in_through_the_admin_login_form():
    user_with_role(MANAGER, username="boss")
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "boss", "password": "secret-pass-123"}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_users_who_are_not_staff_stay_out_even_as_superusers():
    client = Client()
    client.force_login(UserFactory(is_staff=False, is_superuser=True, username="not-staff"))
    assert client.get("/admin/").status_code == 302
