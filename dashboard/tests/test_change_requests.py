"""Customer care's queue of customers' change requests, and the order page's part of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import (
    ChangeRequestKind,
    ChangeRequestStatus,
    OrderChangeRequest,
    OrderStatus,
)
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.services import change_request_submit, order_transition
from orders.tests.factories import user_with_role

from .conftest import order_make, team_create

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "name": "Trần Văn Minh",
    "line1": "45 Hai Bà Trưng",
    "city": "Hà Nội",
    "postal_code": "100000",
    "country": "VN",
}


def ask_cancel(order, **kwargs) -> OrderChangeRequest:
    return change_request_submit(
        order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={}, **kwargs
    )


def ask_address(order) -> OrderChangeRequest:
    return change_request_submit(
        order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
    )


def test_the_queue_lists_pending_requests_oldest_first_with_what_is_asked(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    first = order_make("processing")
    second = order_make("processing")
    ask_address(first)
    ask_cancel(second, message="Ordered twice by mistake.")
    decided = order_make("processing")
    ask_cancel(decided)
    OrderChangeRequest.objects.filter(order=decided).update(status=ChangeRequestStatus.REJECTED)

    response = client.get("/dashboard/change-requests/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(first.number) < html.index(second.number)
    assert decided.number not in html
    assert "12 Lê Lợi" in html  # the address now ...
    assert "45 Hai Bà Trưng" in html  # ... and the one asked for
    assert "Ordered twice by mistake." in html
    assert 'data-nav="change-requests"' in html
    assert html.count('data-decide="approve"') == 2


@pytest.mark.parametrize("role", [WAREHOUSE, FINANCE])
def test_other_roles_do_not_see_the_queue(client, role):
    client.force_login(user_with_role(role))

    response = client.get("/dashboard/change-requests/")

    assert response.status_code == 403
    assert 'data-nav="change-requests"' not in response.content.decode()


def test_care_approves_a_cancellation_from_the_queue(client):
    care = user_with_role(CUSTOMER_CARE)
    client.force_login(care)
    order = order_make("processing")
    asked = ask_cancel(order)

    response = client.post(f"/dashboard/change-requests/{asked.pk}/approve/", {"note": ""})

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/change-requests/"
    asked.refresh_from_db()
    order.refresh_from_db()
    assert (asked.status, asked.decided_by) == (ChangeRequestStatus.APPROVED, care)
    assert order.status == OrderStatus.CANCELLED
    page = client.get(response["Location"]).content.decode()
    assert f"Done: Cancel the order on order {order.number}." in page


def test_care_rejects_with_a_note_and_comes_back_to_the_order(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("processing")
    asked = ask_address(order)

    response = client.post(
        f"/dashboard/change-requests/{asked.pk}/reject/",
        {"note": "We cannot deliver there.", "next": f"/dashboard/orders/{order.number}/"},
    )

    assert response["Location"] == f"/dashboard/orders/{order.number}/"
    asked.refresh_from_db()
    assert (asked.status, asked.decision_note) == ("rejected", "We cannot deliver there.")


def test_a_rejection_without_a_note_is_refused_and_nothing_changes(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    asked = ask_cancel(order_make("processing"))

    response = client.post(f"/dashboard/change-requests/{asked.pk}/reject/", {"note": " "})

    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == ChangeRequestStatus.PENDING
    assert "Tell the customer why." in client.get(response["Location"]).content.decode()


def test_a_next_address_elsewhere_is_not_followed(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    asked = ask_cancel(order_make("processing"))

    response = client.post(
        f"/dashboard/change-requests/{asked.pk}/reject/",
        {"note": "No.", "next": "https://evil.example/"},
    )

    assert response["Location"] == "/dashboard/change-requests/"


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_without_the_permission_a_decision_is_403_and_writes_nothing(client, decision):
    # Finance may not even see the queue; a role that sees it but may not cancel: a
    # customer-care member whose group lost cancel_order.
    care = user_with_role(CUSTOMER_CARE)
    care.groups.first().permissions.remove(
        *care.groups.first().permissions.filter(codename="cancel_order")
    )
    client.force_login(care)
    order = order_make("processing")
    asked = ask_cancel(order)
    events = order.events.count()

    response = client.post(f"/dashboard/change-requests/{asked.pk}/{decision}/", {"note": "x"})

    assert response.status_code == 403
    asked.refresh_from_db()
    order.refresh_from_db()
    assert asked.status == ChangeRequestStatus.PENDING
    assert order.status == OrderStatus.PROCESSING
    assert order.events.count() == events


def test_a_warehouse_post_is_403(client):
    client.force_login(user_with_role(WAREHOUSE))
    asked = ask_cancel(order_make("processing"))

    response = client.post(f"/dashboard/change-requests/{asked.pk}/approve/")

    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.status == ChangeRequestStatus.PENDING


def test_approving_what_the_order_no_longer_allows_declines_it_with_a_warning(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")
    asked = ask_cancel(order)
    order_transition(order=order, transition="start_picking", actor=None)

    queue = client.get("/dashboard/change-requests/").content.decode()
    response = client.post(f"/dashboard/change-requests/{asked.pk}/approve/")

    assert "No longer possible:" in queue
    asked.refresh_from_db()
    assert asked.status == ChangeRequestStatus.REJECTED
    page = client.get(response["Location"]).content.decode()
    assert f"Order {order.number} could not be changed, so the request was declined" in page


def test_the_order_page_shows_its_pending_request_with_the_buttons(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("processing")
    ask_address(order)

    html = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert "The customer asked for a change" in html
    assert 'data-decide="approve"' in html
    assert f'name="next" value="/dashboard/orders/{order.number}/"' in html


def test_an_unknown_request_is_404(client):
    client.force_login(user_with_role(MANAGER))

    assert client.post("/dashboard/change-requests/999/approve/").status_code == 404


def test_another_teams_request_is_shown_without_buttons(client):
    north, south = team_create("north"), team_create("south")
    care = user_with_role(CUSTOMER_CARE)
    care.teams.add(north)
    client.force_login(care)
    ask_cancel(order_make("processing", team=south))

    html = client.get("/dashboard/change-requests/").content.decode()

    assert 'data-kind="cancel_order"' in html
    assert 'data-decide="approve"' not in html


def test_the_queue_query_count_does_not_grow_with_requests(client, django_assert_max_num_queries):
    client.force_login(user_with_role(CUSTOMER_CARE))
    ask_address(order_make("processing"))
    client.get("/dashboard/change-requests/")  # the user's permissions are cached now
    with CaptureQueriesContext(connection) as one:
        client.get("/dashboard/change-requests/")
    for _ in range(4):
        ask_address(order_make("processing"))
        ask_cancel(order_make("processing"))

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/dashboard/change-requests/")

    assert response.content.decode().count("data-change-request=") == 9


def test_the_queue_states_what_a_cancellation_does_to_the_money(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("processing", payment_method="card", payment_status="paid")
    ask_cancel(order)

    html = client.get("/dashboard/change-requests/").content.decode()

    assert f"Approving: Cancel order {order.number}. Refund ₫210 to the card" in html


def test_the_order_page_previews_the_money_of_cancelling_some_items(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("processing", payment_method="card", payment_status="paid")
    change_request_submit(
        order=order,
        kind=ChangeRequestKind.CANCEL_ITEMS,
        data={"lines": [{"sku": "MUG-1", "quantity": 1}]},
    )

    html = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert f"Approving: Refund ₫100 to the card of order {order.number}." in html
    order.refresh_from_db()
    assert (order.total, order.amount_refunded, order.lines.get().quantity) == (210, 0, 2)
