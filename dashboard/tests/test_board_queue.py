"""The board and the queues: columns, filters, search, sorting, paging and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.selectors import OrderFilters, board_columns
from orders.models import Department, Order, ProductCategory, Region
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import StorefrontFactory, order_book_shipment, user_with_role

from .conftest import numbers_on, order_make, team_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = user_with_role(MANAGER)
    client.force_login(user)
    return user


def set_clock(order: Order, *, due_in: timedelta, at_risk_in: timedelta | None = None) -> None:
    now = timezone.now()
    Order.objects.filter(pk=order.pk).update(
        stage_due_at=now + due_in,
        stage_at_risk_at=now + (at_risk_in if at_risk_in is not None else due_in),
    )


# -- the board ------------------------------------------------------------------------


def test_the_board_has_a_column_per_stage_with_counts_and_cards(client, manager):
    picking = [order_make("picking"), order_make("picking")]
    held = order_make("on_hold")
    order_make("completed")  # closed orders are not on the board

    response = client.get("/dashboard/board/")

    page = response.content.decode()
    columns = [
        "received",
        "processing",
        "picking",
        "packing",
        "ready_to_ship",
        "shipped",
        "on_hold",
        "post_delivery",
    ]
    assert [c.status for c in response.context["columns"]] == columns
    counts = {c.status: c.count for c in response.context["columns"]}
    assert counts == {**dict.fromkeys(columns, 0), "picking": 2, "on_hold": 1}
    assert set(numbers_on(response)) == {*(o.number for o in picking), held.number}
    assert "Nguyễn Thị Lan" in page
    assert "Dash shop" in page


def test_overdue_cards_come_first_then_the_oldest(client, manager):
    older, newer, late, later = (order_make("picking") for _ in range(4))
    now = timezone.now()
    Order.objects.filter(pk=older.pk).update(placed_at=now - timedelta(days=3))
    Order.objects.filter(pk=newer.pk).update(placed_at=now - timedelta(days=1))
    Order.objects.filter(pk__in=[older.pk, newer.pk]).update(stage_due_at=None)
    set_clock(late, due_in=-timedelta(hours=1))
    set_clock(later, due_in=-timedelta(minutes=5))

    response = client.get("/dashboard/board/")

    assert numbers_on(response) == [late.number, later.number, older.number, newer.number]
    picking = next(c for c in response.context["columns"] if c.status == "picking")
    assert picking.overdue == 2


def test_cards_say_at_risk_and_overdue(client, manager):
    fine, risky, late = (order_make("packing") for _ in range(3))
    set_clock(fine, due_in=timedelta(hours=3))
    set_clock(risky, due_in=timedelta(hours=1), at_risk_in=-timedelta(minutes=1))
    set_clock(late, due_in=-timedelta(minutes=1))

    cards = {
        o.number: o.sla_state
        for c in client.get("/dashboard/board/").context["columns"]
        for o in c.cards
    }

    assert cards == {fine.number: "", risky.number: "at_risk", late.number: "overdue"}


def test_each_column_shows_its_first_cards_and_says_how_many_more():
    orders = [order_make("processing") for _ in range(3)]

    columns = board_columns(filters=OrderFilters(), per_column=2)

    processing = next(c for c in columns if c.status == "processing")
    assert (processing.count, len(processing.cards), processing.more) == (3, 2, 1)
    assert [o.number for o in processing.cards] == [o.number for o in orders[:2]]


# -- filters --------------------------------------------------------------------------


def test_storefront_filter(client, manager):
    other_shop = StorefrontFactory(code="other", name="Other")
    mine, theirs = order_make(), order_make(storefront=other_shop)

    response = client.get("/dashboard/board/", {"storefront": other_shop.pk})

    assert numbers_on(response) == [theirs.number]
    assert mine.number not in response.content.decode()


def test_team_and_department_filters(client, manager):
    floor = Department.objects.create(code="floor", name="Floor")
    pickers = team_create("pickers", department=floor)
    packers = team_create("packers", department=floor)
    care = team_create("care", department=Department.objects.create(code="care", name="Care"))
    a, b, c = order_make(team=pickers), order_make(team=packers), order_make(team=care)
    order_make()  # no team

    by_team = client.get("/dashboard/board/", {"team": pickers.pk})
    by_department = client.get("/dashboard/board/", {"department": floor.pk})

    assert numbers_on(by_team) == [a.number]
    assert set(numbers_on(by_department)) == {a.number, b.number}
    assert c.number not in by_department.content.decode()


def test_region_filter_matches_country_and_postal_code_prefixes(client, manager):
    team = team_create("south")
    south = Region.objects.create(
        name="South", country="VN", postal_code_prefixes="70, 71", team=team
    )
    whole_thailand = Region.objects.create(name="Thailand", country="TH", team=team)
    saigon = order_make(country="VN", postal_code="700000")
    spaced = order_make(country="vn", postal_code="71 0000")
    hanoi = order_make(country="VN", postal_code="100000")
    bangkok = order_make(country="TH", postal_code="10110")

    in_south = client.get("/dashboard/board/", {"region": south.pk})
    in_thailand = client.get("/dashboard/board/", {"region": whole_thailand.pk})

    assert set(numbers_on(in_south)) == {saigon.number, spaced.number}
    assert hanoi.number not in in_south.content.decode()
    assert numbers_on(in_thailand) == [bangkok.number]


def test_category_filter_is_case_insensitive_and_suggests_set_up_categories(client, manager):
    ProductCategory.objects.create(name="Home", team=team_create("goods"))
    home, toys = order_make(category="Home"), order_make(category="Toys")

    response = client.get("/dashboard/board/", {"category": "hOmE"})

    assert numbers_on(response) == [home.number]
    assert toys.number not in response.content.decode()
    assert '<option value="Home">' in response.content.decode()


def test_payment_priority_and_overdue_filters(client, manager):
    paid = order_make(payment_status="paid", payment_method="card")
    express = order_make()
    Order.objects.filter(pk=express.pk).update(priority="express")
    late = order_make("picking")
    set_clock(late, due_in=-timedelta(minutes=1))
    on_time = order_make("picking")
    set_clock(on_time, due_in=timedelta(hours=2))

    assert numbers_on(client.get("/dashboard/board/", {"payment_status": "paid"})) == [paid.number]
    assert numbers_on(client.get("/dashboard/board/", {"priority": "express"})) == [express.number]
    assert numbers_on(client.get("/dashboard/board/", {"overdue": "on"})) == [late.number]


def test_filters_combine(client, manager):
    team = team_create("pickers")
    wanted = order_make("picking", team=team, payment_status="paid", payment_method="card")
    order_make("picking", team=team)
    order_make("picking", payment_status="paid", payment_method="card")

    response = client.get("/dashboard/board/", {"team": team.pk, "payment_status": "paid"})

    assert numbers_on(response) == [wanted.number]


def test_an_unknown_filter_value_is_ignored_and_said(client, manager):
    order = order_make()

    response = client.get("/dashboard/board/", {"team": 999999, "priority": "urgent"})

    assert response.status_code == 200
    assert numbers_on(response) == [order.number]
    assert "Select a valid choice" in response.content.decode()


# -- search ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["external_id", "email", "name"])
def test_search_finds_orders_by_external_id_email_and_name(client, manager, field):
    wanted = order_make(external_id="SHOP-4711", email="hoa@example.com", name="Trần Văn Hoà")
    other = order_make(external_id="SHOP-4712", email="minh@example.com", name="Lê Minh")
    query = {"external_id": "shop-4711", "email": "HOA@example", "name": "Văn Hoà"}[field]

    response = client.get("/dashboard/board/", {"q": query})

    assert response.status_code == 200
    assert numbers_on(response) == [wanted.number]
    assert other.number not in response.content.decode()


def test_an_exact_order_number_opens_the_order(client, manager):
    order = order_make()
    order_make()

    response = client.get("/dashboard/board/", {"q": order.number.lower()})

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/orders/{order.number}/"


def test_part_of_a_number_lists_the_matches(client, manager):
    order = order_make()

    response = client.get("/dashboard/board/", {"q": order.number[2:8]})

    assert response.status_code == 200
    assert order.number in numbers_on(response)


def test_an_exact_tracking_number_opens_the_order_from_board_and_queue(client, manager):
    order = order_book_shipment(order_make("ready_to_ship"), tracking_number="GHN-TRACK-1")
    order_make("ready_to_ship")

    for path in ["/dashboard/board/", "/dashboard/queue/ready_to_ship/"]:
        response = client.get(path, {"q": "ghn-track-1"})
        assert response["Location"] == f"/dashboard/orders/{order.number}/"


def test_a_search_matching_several_orders_lists_them(client, manager):
    a = order_make(email="same@example.com", storefront=StorefrontFactory(code="a"))
    b = order_make(email="same@example.com", storefront=StorefrontFactory(code="b"))

    response = client.get("/dashboard/board/", {"q": "same@example.com"})

    assert response.status_code == 200
    assert set(numbers_on(response)) == {a.number, b.number}


# -- queues ---------------------------------------------------------------------------


def test_a_queue_lists_one_stage_with_its_filters_search_and_bulk_form(client):
    user = user_with_role(WAREHOUSE)
    client.force_login(user)
    team = team_create("pickers")
    mine = order_make("picking", team=team, email="hoa@example.com")
    order_make("picking")
    order_make("packing", team=team)

    response = client.get("/dashboard/queue/picking/", {"team": team.pk})
    search = client.get("/dashboard/queue/picking/", {"q": "hoa@example"})

    assert numbers_on(response) == [mine.number]
    assert numbers_on(search) == [mine.number]
    page = response.content.decode()
    assert 'action="/dashboard/bulk/"' in page
    assert f'name="orders" value="{mine.number}"' in page
    assert 'data-select-all="orders"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    # The warehouse may run these status transitions, so the bulk form offers exactly them.
    assert [s.name for s in response.context["bulk_transitions"]] == [
        "start_picking",
        "start_packing",
        "mark_ready_to_ship",
        "ship",
        "hold",  # for a stock or address problem only
    ]


def test_a_queue_sorts_overdue_first_or_oldest_first(client, manager):
    old, late = order_make("packing"), order_make("packing")
    Order.objects.filter(pk=old.pk).update(
        placed_at=timezone.now() - timedelta(days=5), stage_due_at=None
    )
    set_clock(late, due_in=-timedelta(minutes=1))

    overdue_first = client.get("/dashboard/queue/packing/")
    oldest_first = client.get("/dashboard/queue/packing/", {"sort": "oldest"})

    assert numbers_on(overdue_first) == [late.number, old.number]
    assert numbers_on(oldest_first) == [old.number, late.number]


def test_a_queue_pages_by_fifty(client, manager):
    orders = [order_make("received") for _ in range(51)]

    first = client.get("/dashboard/queue/received/")
    second = client.get("/dashboard/queue/received/", {"page": 2})

    assert len(numbers_on(first)) == 50
    assert numbers_on(second) == [orders[-1].number]
    assert "Page 2 of 2" in second.content.decode()


def test_an_unknown_stage_is_not_found(client, manager):
    assert client.get("/dashboard/queue/teleported/").status_code == 404


# -- query counts ---------------------------------------------------------------------


def _queries(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path, status",
    [("/dashboard/board/", None), ("/dashboard/queue/picking/", "picking")],
)
def test_board_and_queue_make_the_same_number_of_queries_for_3_and_30_orders(
    client, manager, path, status
):
    team = team_create("pickers")
    region = Region.objects.create(name="South", country="VN", postal_code_prefixes="70", team=team)
    every_filter = {
        "storefront": StorefrontFactory(code="dash-shop").pk,
        "team": team.pk,
        "department": team.department_id,
        "region": region.pk,
        "category": "home",
        "payment_status": "unpaid",
        "priority": "standard",
    }
    stages = ["processing", "picking", "packing", "on_hold", "shipped"]
    for index in range(3):
        order_make(status or stages[index % 5], team=team)

    plain_at_3 = _queries(client, path, {})
    filtered_at_3 = _queries(client, path, every_filter)
    for index in range(27):
        order_make(status or stages[index % 5], team=team)
    plain_at_30 = _queries(client, path, {})
    filtered_at_30 = _queries(client, path, every_filter)

    assert plain_at_3 == plain_at_30
    assert filtered_at_3 == filtered_at_30


def test_the_board_query_count_is_pinned(client, manager, django_assert_num_queries):
    for status in ["processing", "picking", "packing", "shipped"]:
        order_make(status)

    # session, user, the user's permissions (2), the SLA badge, the platform deliveries
    # and the tracking updates needing attention, the counts, the cards, the filter
    # form's four choice lists and its category suggestions.
    with django_assert_num_queries(21):  # 1 count + 8 columns + session, user, badges...
        client.get("/dashboard/board/")


def test_the_to_confirm_queue_lists_received_orders_overdue_first_with_their_due_time(
    client, manager
):
    due_later, overdue, other_shop = (order_make("received") for _ in range(3))
    order_make("processing")  # confirmed: not waiting any more
    set_clock(due_later, due_in=timedelta(hours=2))
    set_clock(overdue, due_in=-timedelta(minutes=30))
    other = StorefrontFactory(code="other")
    Order.objects.filter(pk=other_shop.pk).update(storefront=other)

    response = client.get("/dashboard/queue/received/")
    filtered = client.get("/dashboard/queue/received/", {"storefront": other.pk})
    board = client.get("/dashboard/board/")

    page = response.content.decode()
    assert "Queue: To confirm" in page
    assert numbers_on(response)[:2] == [overdue.number, due_later.number]
    assert set(numbers_on(response)) == {due_later.number, overdue.number, other_shop.number}
    assert response.context["page"].paginator.count == 3
    assert 'class="row--overdue"' in page
    assert numbers_on(filtered) == [other_shop.number]
    received = next(c for c in board.context["columns"] if c.status == "received")
    assert (received.label, received.count, received.overdue) == ("To confirm", 3, 1)


def test_the_to_confirm_queue_query_count_is_pinned(client, manager, django_assert_num_queries):
    for _ in range(4):
        order_make("received")

    with django_assert_num_queries(14):  # as every other queue
        client.get("/dashboard/queue/received/")


def test_the_queue_query_count_is_pinned(client, manager, django_assert_num_queries):
    for _ in range(4):
        order_make("picking")

    # session, user, permissions (2), the SLA badge, the platform deliveries and the
    # tracking updates needing attention, the count, the page, the filter form's four
    # choice lists and its category suggestions.
    with django_assert_num_queries(14):
        client.get("/dashboard/queue/picking/")
