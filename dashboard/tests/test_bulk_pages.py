"""The bulk pages: preview from a queue selection, run, progress and per-order results."""

import re

import pytest

from orders.models import BulkJob, OrderStatus
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_queue_offers_up_to_500_orders_on_one_page(client):
    client.force_login(user_with_role(MANAGER))
    for _ in range(3):
        order_make("processing")

    page = client.get("/dashboard/queue/processing/?per_page=500")

    assert page.status_code == 200
    assert re.search(r'aria-current="true">500<', page.content.decode())
    assert page.content.decode().count('name="orders"') == 3


def test_the_preview_lists_the_refused_with_their_reasons(client):
    client.force_login(user_with_role(WAREHOUSE))
    ready = order_make("processing")
    early = order_make("received")

    page = client.post(
        "/dashboard/bulk/",
        {"orders": [ready.number, early.number], "transition": "start_picking"},
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "Start picking: 1 of 2 orders can take it now" in html
    assert early.number in html and "It is received." in html
    assert f'name="orders" value="{ready.number}"' in html
    assert f'name="orders" value="{early.number}"' not in html  # only the eligible run


def test_a_bad_selection_is_a_message_not_an_error_page(client):
    client.force_login(user_with_role(WAREHOUSE))

    nothing = client.post(
        "/dashboard/bulk/",
        {"transition": "start_picking", "next": "/dashboard/queue/processing/"},
        follow=True,
    )
    foreign = client.post(
        "/dashboard/bulk/",
        {"transition": "start_picking", "orders": ["X"], "next": "https://evil.example/"},
    )

    assert nothing.status_code == 200
    assert nothing.redirect_chain[-1][0] == "/dashboard/queue/processing/"
    assert "Select at least one order." in nothing.content.decode()
    assert foreign.status_code == 200  # previewed (X: no such order), never sent elsewhere


@pytest.mark.usefixtures("tasks_in_process")
def test_running_shows_progress_and_each_orders_result(client):
    lead = user_with_role(MANAGER)
    client.force_login(lead)
    orders = [order_make("processing") for _ in range(3)]
    refused = order_make("received")

    started = client.post(
        "/dashboard/bulk/run/",
        {"orders": [o.number for o in [*orders, refused]], "transition": "start_picking"},
    )
    job = BulkJob.objects.get()
    page = client.get(started["Location"])
    progress = client.get(f"/dashboard/bulk/jobs/{job.pk}/progress/", HTTP_HX_REQUEST="true")

    html = page.content.decode()
    assert started["Location"] == f"/dashboard/bulk/jobs/{job.pk}/"
    assert "4 of 4 orders processed" in html
    assert "3 done" in html and "1 refused" in html
    assert re.search(rf"{refused.number}</a></td><td>Refused</td><td>Cannot start picking", html)
    assert progress["HX-Refresh"] == "true"  # done: the page reloads to show the results


def test_only_the_jobs_owner_or_a_manager_sees_it(client):
    owner = user_with_role(WAREHOUSE)
    job = BulkJob.objects.create(created_by=owner, transition="start_picking", total=0)

    client.force_login(user_with_role(WAREHOUSE))
    stranger = client.get(f"/dashboard/bulk/jobs/{job.pk}/")
    client.force_login(owner)
    mine = client.get(f"/dashboard/bulk/jobs/{job.pk}/")

    assert (stranger.status_code, mine.status_code) == (403, 200)


def test_bulk_posts_need_csrf():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(MANAGER))
    order = order_make("processing")

    response = strict.post(
        "/dashboard/bulk/run/", {"orders": [order.number], "transition": "start_picking"}
    )

    assert response.status_code == 403
    assert not BulkJob.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
