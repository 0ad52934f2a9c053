"""A wave pick list from the orders selected on a queue or the board, and its print page."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fulfillment.models import InventoryItem, PickList
from fulfillment.services.picking import picking_record
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make, team_create

pytestmark = pytest.mark.django_db


def test_the_picking_queue_and_the_board_offer_the_selection(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")

    queue = client.get("/dashboard/queue/picking/").content.decode()
    board = client.get("/dashboard/board/").content.decode()
    processing = client.get("/dashboard/queue/processing/").content.decode()

    assert 'formaction="/dashboard/pick-lists/"' in queue
    assert f'name="orders" value="{order.number}"' in queue
    assert 'action="/dashboard/pick-lists/"' in board
    assert f'name="orders" value="{order.number}" form="pick-list-form"' in board
    assert "/dashboard/pick-lists/" not in processing


def test_a_wave_sums_lines_per_sku_and_lists_the_skipped_with_their_reasons(client):
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="B-02-1", quantity_on_hand=9)
    first, second = order_make("picking"), order_make("picking")  # 2 x MUG-1 each
    held = order_make("on_hold")
    theirs = order_make("picking", team=team_create("north"))
    # A member of another team may not put the north team's order on a list.
    member = user_with_role(WAREHOUSE)
    team_create("south").members.add(member)
    client.force_login(member)

    response = client.post(
        "/dashboard/pick-lists/",
        {"orders": [first.number, second.number, held.number, theirs.number, "NOPE"]},
    )
    pick_list = PickList.objects.get()
    page = client.get(response["Location"])
    html = page.content.decode()

    assert response["Location"] == f"/dashboard/pick-lists/{pick_list.pk}/"
    assert sorted(pick_list.orders.values_list("number", flat=True)) == sorted(
        [first.number, second.number]
    )
    messages = [str(message) for message in page.context["messages"]]
    assert messages == [
        f"Left off the pick list: {held.number}. It is on hold, not picking.",
        f"Left off the pick list: {theirs.number}. It belongs to team North, not to yours.",
        "Left off the pick list: NOPE. No such order.",
    ]
    row = sorted([first.number, second.number])
    assert (
        f'<tr data-pick-sku="MUG-1"><td>B-02-1</td><td>MUG-1</td><td>Mug</td><td>4</td>'
        f"<td>{row[0]}, {row[1]}</td></tr>"
    ) in html
    assert f'href="/fulfillment/pick-lists/{pick_list.pk}/"' in html


def test_the_print_page_is_print_friendly(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")
    client.post("/dashboard/pick-lists/", {"orders": [order.number]})
    pick_list = PickList.objects.get()

    page = client.get(f"/fulfillment/pick-lists/{pick_list.pk}/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "fulfillment/print" in html and ".css" in html  # its own print stylesheet
    assert f"Pick list #{pick_list.pk}" in html
    assert order.number in html


def test_when_no_selected_order_is_picking_nothing_is_made_and_the_queue_says_why(client):
    client.force_login(user_with_role(WAREHOUSE))
    early = order_make("processing")

    response = client.post(
        "/dashboard/pick-lists/",
        {"orders": [early.number], "next": "/dashboard/queue/picking/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/dashboard/queue/picking/"
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "None of the selected orders can go on a pick list.",
        f"{early.number}: It is processing, not picking.",
    ]
    assert not PickList.objects.exists()


def test_an_empty_selection_is_a_message(client):
    client.force_login(user_with_role(WAREHOUSE))

    response = client.post("/dashboard/pick-lists/", {"next": "https://evil.example/"})

    assert response["Location"] == "/dashboard/board/"
    assert not PickList.objects.exists()


def test_someone_who_may_not_print_pick_lists_is_refused(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_make("picking")

    response = client.post("/dashboard/pick-lists/", {"orders": [order.number]})
    queue = client.get("/dashboard/queue/picking/").content.decode()

    assert response.status_code == 403
    assert "/dashboard/pick-lists/" not in queue
    assert not PickList.objects.exists()


def test_making_a_pick_list_needs_the_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")

    assert strict.post("/dashboard/pick-lists/", {"orders": [order.number]}).status_code == 403
    assert not PickList.objects.exists()


def test_making_and_showing_a_pick_list_take_the_same_queries_for_2_or_12_orders(client):
    client.force_login(user_with_role(WAREHOUSE))

    def measure(count: int) -> tuple[int, int]:
        numbers = [order_make("picking").number for _ in range(count)]
        with CaptureQueriesContext(connection) as made:
            response = client.post("/dashboard/pick-lists/", {"orders": [*numbers, "NOPE"]})
        with CaptureQueriesContext(connection) as shown:
            assert client.get(response["Location"]).status_code == 200
        return len(made.captured_queries), len(shown.captured_queries)

    assert measure(2) == measure(12)


def test_a_wave_asks_only_for_what_is_left_to_pick(client):
    InventoryItem.objects.create(sku="MUG-1", name="Mug", location="B-02-1", quantity_on_hand=9)
    partly, fresh = order_make("picking"), order_make("picking")  # 2 x MUG-1 each
    # One unit came off the shelf before the order went back on a wave.
    picking_record(order=partly, picks=[{"sku": "MUG-1", "quantity": 1}], actor=None)
    client.force_login(user_with_role(WAREHOUSE))

    response = client.post("/dashboard/pick-lists/", {"orders": [partly.number, fresh.number]})
    html = client.get(response["Location"]).content.decode()

    row = ", ".join(sorted([partly.number, fresh.number]))
    assert (
        '<tr data-pick-sku="MUG-1"><td>B-02-1</td><td>MUG-1</td><td>Mug</td><td>3</td>'
        f"<td>{row}</td></tr>"
    ) in html
