"""Logging in to the dashboard, where each user lands, and who is kept out."""

import pytest
from django.contrib.auth import SESSION_KEY

from orders.models import Department, SlaAlert
from orders.planning import sla_breaches_record
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import UserFactory, user_with_role

from .conftest import order_make, team_create

pytestmark = pytest.mark.django_db


def log_in(client, username: str, password: str = "secret-pass-123"):
    return client.post(
        "/dashboard/login/", {"username": username, "password": password}, follow=False
    )


def test_a_team_member_logs_in_through_the_form_and_lands_on_their_teams_queue(client):
    packers = Department.objects.create(code="packing", name="Packing", stages=["packing"])
    team = team_create("packers", department=packers)
    user = user_with_role(WAREHOUSE, username="kim")
    team.members.add(user)

    response = log_in(client, "kim")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    landing = client.get("/dashboard/")
    assert landing.status_code == 302
    assert landing["Location"] == f"/dashboard/queue/packing/?team={team.pk}"
    assert client.get(landing["Location"]).status_code == 200


def test_the_first_team_by_name_decides_the_landing_queue(client):
    user = user_with_role(WAREHOUSE)
    zeta = team_create("zeta")
    alpha = team_create("alpha")
    zeta.members.add(user)
    alpha.members.add(user)
    client.force_login(user)

    response = client.get("/dashboard/")

    # A department owning no stage opens the team's processing queue.
    assert response["Location"] == f"/dashboard/queue/processing/?team={alpha.pk}"


@pytest.mark.parametrize("role", [MANAGER, WAREHOUSE])
def test_managers_and_people_in_no_team_land_on_the_board(client, role):
    user = user_with_role(role)
    if role == MANAGER:
        team_create("floor").members.add(user)  # a manager in a team still gets the board
    client.force_login(user)

    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/board/"


def test_a_user_who_is_not_staff_cannot_log_in(client):
    UserFactory(username="shopper", is_staff=False)

    response = log_in(client, "shopper")

    assert response.status_code == 200
    assert "may not use the staff dashboard" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_wrong_password_is_refused(client):
    UserFactory(username="kim")

    response = log_in(client, "kim", "wrong")

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/board/",
        "/dashboard/queue/picking/",
        "/dashboard/overview/",
        "/dashboard/orders/OR123/",
    ],
)
def test_every_page_sends_anonymous_and_non_staff_users_to_the_login(client, path):
    assert client.get(path)["Location"] == f"/dashboard/login/?next={path}"

    client.force_login(UserFactory(is_staff=False))
    assert client.get(path)["Location"] == f"/dashboard/login/?next={path}"


def test_posting_an_action_without_staff_changes_nothing(client):
    order = order_make("processing")
    client.force_login(UserFactory(is_staff=False))

    response = client.post(
        f"/dashboard/orders/{order.number}/transition/",
        {"transition": "start_picking", "version": order.version},
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")
    order.refresh_from_db()
    assert order.status == "processing"


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(user_with_role(WAREHOUSE))

    assert client.get("/dashboard/logout/").status_code == 405
    response = client.post("/dashboard/logout/")

    assert response["Location"] == "/dashboard/login/"
    assert SESSION_KEY not in client.session


def test_the_header_counts_open_sla_alerts_of_the_users_teams_and_links_to_overdue(client):
    mine, other = team_create("mine"), team_create("other")
    user = user_with_role(WAREHOUSE)
    mine.members.add(user)
    for team in (mine, mine, other):
        order = order_make("picking", team=team)
        type(order).objects.filter(pk=order.pk).update(
            stage_due_at="2020-01-01T00:00:00Z", stage_at_risk_at="2019-12-31T00:00:00Z"
        )
    sla_breaches_record()
    assert SlaAlert.objects.count() == 3
    client.force_login(user)

    page = client.get("/dashboard/board/").content.decode()

    assert '<span class="sla-badge__count">2</span>' in page
    assert 'href="/dashboard/board/?overdue=on"' in page
