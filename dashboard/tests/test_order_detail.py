"""The order page: what it shows, exactly the permitted buttons, and what posting them does."""

import re

import pytest

from fulfillment.models import Package, Shipment
from orders.models import Order, OrderEvent
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import CarrierFactory, order_pack_everything, user_with_role

from .conftest import order_make, team_create

pytestmark = pytest.mark.django_db

BUTTON = re.compile(r'data-transition="([^"]+)"')
BLOCKED = re.compile(r'data-blocked-transition="([^"]+)"')


def buttons(response) -> list[str]:
    return BUTTON.findall(response.content.decode())


def snapshot(order: Order) -> tuple:
    """What must not move when an action is refused."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.payment_status,
        order.version,
        order.team_id,
        OrderEvent.objects.filter(order=order).count(),
        Package.objects.filter(order=order).count(),
        Shipment.objects.filter(order=order).count(),
    )


def post(client, order: Order, action: str = "transition", **data):
    if "version" not in data:
        data["version"] = Order.objects.get(pk=order.pk).version
    headers = data.pop("headers", {})
    return client.post(f"/dashboard/orders/{order.number}/{action}/", data, **headers)


# -- what the page shows --------------------------------------------------------------


def test_the_page_shows_lines_customer_address_shipments_timeline_and_due_times(client):
    manager = user_with_role(MANAGER, first_name="Mai", last_name="Pham")
    client.force_login(manager)
    team = team_create("pickers")
    order = order_make("ready_to_ship", email="hoa@example.com", name="Trần Văn Hoà", team=team)
    CarrierFactory()
    post(
        client,
        order,
        "shipment",
        carrier="ghn",
        tracking_number="GHN-42",
        packages=list(order.packages.values_list("pk", flat=True)),
    )
    post(client, order, transition="hold", reason="address_check", note="Call the customer")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    for text in [
        "MUG-1",
        "Trần Văn Hoà",
        "hoa@example.com",
        "12 Lê Lợi",
        "700000",
        "Giao Hàng Nhanh",
        'href="https://track.example/GHN-42"',
        "Label created",
        "Call the customer",  # internal note
        "Mai Pham",  # staff name on the timeline
        "Moved from no team to Pickers.",
        "Pickers",
        "Processing: ",  # due time per stage
        "Ready to ship: ",
    ]:
        assert text in page, text


def test_the_timeline_says_what_happened_in_peoples_words(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("received", payment_method="card")
    post(client, order, transition="authorize_payment")
    post(client, order, transition="confirm")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    timeline = page[page.index('id="timeline-heading"') :]

    assert "<strong>Payment authorized</strong>" in timeline
    assert "Unpaid → Authorized" in timeline
    assert "<strong>Order confirmed</strong>" in timeline
    assert "Received → Processing" in timeline
    assert "authorize_payment" not in timeline and "confirm:" not in timeline
    # The confirmation's due time is among the stages' due times.
    assert "Received: " in page


def test_an_unknown_order_is_not_found(client):
    client.force_login(user_with_role(MANAGER))

    assert client.get("/dashboard/orders/OR-NOPE/").status_code == 404
    assert post(client, Order(number="OR-NOPE"), version=1).status_code == 404


@pytest.mark.parametrize(
    "role, status, expected",
    [
        (
            MANAGER,
            "processing",
            [
                "start_picking",
                "cancel",
                "hold",
                "authorize_payment",
                "capture_payment",
                "void_payment",
            ],
        ),
        (WAREHOUSE, "processing", ["start_picking", "hold"]),
        # start_packing waits for the picks (see test_picking_guard).
        (WAREHOUSE, "picking", ["hold"]),
        (CUSTOMER_CARE, "picking", ["cancel", "hold"]),
        (CUSTOMER_CARE, "on_hold", ["cancel", "release"]),
        (FINANCE, "picking", ["authorize_payment", "capture_payment", "void_payment"]),
    ],
)
def test_the_page_offers_exactly_the_transitions_the_user_may_run_now(
    client, role, status, expected
):
    client.force_login(user_with_role(role))
    order = order_make(status)

    response = client.get(f"/dashboard/orders/{order.number}/")

    assert buttons(response) == expected


def test_reasons_and_amounts_get_their_fields(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("picking", payment_method="card", payment_status="paid")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    hold = page.split('data-transition="hold"')[1].split("</form>")[0]
    cancel = page.split('data-transition="cancel"')[1].split("</form>")[0]
    refund = page.split('data-transition="refund_payment"')[1].split("</form>")[0]
    assert '<select id="hold-reason" name="reason" required>' in hold
    assert 'value="stock_shortage"' in hold
    assert '<label for="hold-reason">' in hold
    assert '<input type="text" id="cancel-reason" name="reason" required' in cancel
    # The refund amount starts empty: staff type what they mean to give back.
    amount = re.search(r'<input type="text" id="refund_payment-amount" name="amount"[^>]*>', refund)
    assert amount is not None and "value=" not in amount.group(0)


def test_blocked_transitions_are_greyed_with_their_reason(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("packing")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert BLOCKED.findall(page) == ["mark_ready_to_ship"]
    assert "Still to pack: 2 x MUG-1." in page
    assert 'data-transition="mark_ready_to_ship"' not in page
    assert 'data-fulfillment="pack"' in page


def test_a_user_with_no_permission_sees_no_button_and_is_refused_when_posting_anyway(client):
    client.force_login(user_with_role(FINANCE))
    order = order_make("processing")
    before = snapshot(order)

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    plain = post(client, order, transition="start_picking")
    with_htmx = post(client, order, transition="start_picking", headers={"HTTP_HX_REQUEST": "true"})

    assert 'data-transition="start_picking"' not in page
    assert plain.status_code == 403
    assert "You may not start picking orders." in plain.content.decode()
    assert with_htmx.status_code == 403
    assert "You may not start picking orders." in with_htmx.content.decode()
    assert snapshot(order) == before


def test_another_teams_order_shows_no_button_and_refuses_its_members_posts(client):
    user = user_with_role(WAREHOUSE)
    team_create("mine").members.add(user)
    order = order_make("processing", team=team_create("theirs"))
    client.force_login(user)
    before = snapshot(order)

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    response = post(client, order, transition="start_picking")

    assert buttons(client.get(f"/dashboard/orders/{order.number}/")) == []
    assert "nothing you can do" in page
    assert response.status_code == 403
    assert "belongs to team Theirs" in response.content.decode()
    assert snapshot(order) == before


# -- posting transitions --------------------------------------------------------------


def test_a_plain_post_runs_the_transition_and_redirects_with_a_message(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("processing")

    response = post(client, order, transition="start_picking", note="Wave 3")

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/orders/{order.number}/"
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.version) == ("picking", order.version + 1)
    event = stored.events.last()
    assert (event.transition, event.note, event.actor.username) == (
        "start_picking",
        "Wave 3",
        response.wsgi_request.user.username,
    )
    page = client.get(response["Location"]).content.decode()
    assert f"Order {order.number} is now Picking" in page


def test_an_htmx_post_returns_the_re_rendered_panel(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("processing")

    response = post(client, order, transition="start_picking", headers=htmx)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="order-panel"')
    assert "<html" not in html
    assert f'data-version="{order.version + 1}"' in html
    assert 'data-status="picking"' in html
    assert f"Order {order.number} is now Picking" in html
    assert buttons(response) == ["hold"]
    assert 'data-blocked-transition="start_packing"' in html


def test_a_stale_page_is_refused_with_412_for_htmx_and_nothing_changes(client, htmx):
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")
    stale_version = order.version
    post(client, order, transition="start_picking")  # someone else moved it meanwhile
    before = snapshot(order)

    response = post(
        client, order, transition="hold", reason="other", version=stale_version, headers=htmx
    )

    assert response.status_code == 412
    html = response.content.decode()
    assert "has changed since you loaded it" in html
    assert f'data-version="{stale_version + 1}"' in html  # the panel shows the fresh order
    assert snapshot(order) == before


def test_a_stale_plain_post_redirects_with_the_message_and_changes_nothing(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")
    stale_version = order.version
    post(client, order, transition="start_picking")
    before = snapshot(order)

    response = post(client, order, transition="hold", reason="other", version=stale_version)

    assert response.status_code == 302
    assert "has changed since you loaded it" in client.get(response["Location"]).content.decode()
    assert snapshot(order) == before


@pytest.mark.parametrize(
    "data, status, message",
    [
        ({"transition": "hold", "reason": "bored"}, 400, "Unknown reason &#x27;bored&#x27;."),
        ({"transition": "deliver"}, 409, "Cannot mark delivered order"),
        ({"transition": "teleport"}, 400, "Unknown transition"),
    ],
)
def test_refusals_from_the_service_are_messages_never_500(client, htmx, data, status, message):
    client.force_login(user_with_role(MANAGER))
    order = order_make("picking", payment_method="card", payment_status="paid")
    before = snapshot(order)

    response = post(client, order, headers=htmx, **data)
    plain = post(client, order, **data)

    assert response.status_code == status
    assert message in response.content.decode()
    assert plain.status_code == 302
    assert snapshot(order) == before


def test_hold_with_a_reason_and_a_partial_refund(client, htmx):
    client.force_login(user_with_role(MANAGER))
    order = order_make("picking", payment_method="card", payment_status="paid")

    post(client, order, transition="hold", reason="stock_shortage", headers=htmx)
    response = post(
        client, order, transition="refund_payment", amount="10", confirmed="1", headers=htmx
    )

    stored = Order.objects.get(pk=order.pk)
    assert response.status_code == 200
    assert (stored.status, stored.hold_reason) == ("on_hold", "stock_shortage")
    assert (stored.payment_status, str(stored.amount_refunded)) == ("partially_refunded", "10.00")


def test_a_get_on_an_action_is_not_allowed(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")

    assert client.get(f"/dashboard/orders/{order.number}/transition/").status_code == 405


def test_actions_need_the_csrf_token():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(MANAGER))
    order = order_make("processing")

    response = post(client, order, transition="start_picking")

    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "processing"


# -- the floor's work: pack, book a shipment ------------------------------------------


def test_the_warehouse_packs_books_a_shipment_and_ships_from_the_page(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    CarrierFactory()
    order = order_make("packing")

    packed = post(client, order, "pack", weight_grams="850", headers=htmx)
    ready = post(client, order, transition="mark_ready_to_ship", headers=htmx)
    package = Package.objects.get(order=order)
    booked = post(
        client,
        order,
        "shipment",
        carrier="ghn",
        tracking_number="GHN-1",
        packages=[package.pk],
        headers=htmx,
    )
    shipped = post(client, order, transition="ship", headers=htmx)

    assert [r.status_code for r in (packed, ready, booked, shipped)] == [200] * 4
    assert f"Package #{package.pk} packed." in packed.content.decode()
    assert 'data-fulfillment="book_shipment"' in ready.content.decode()
    assert "Shipment ghn GHN-1 booked." in booked.content.decode()
    assert package.weight_grams == 850
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == "shipped"
    assert stored.shipments.get().tracking_number == "GHN-1"


def test_packing_without_a_weight_is_refused_with_the_reason(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("packing")
    before = snapshot(order)

    response = post(client, order, "pack", weight_grams="", headers=htmx)

    assert response.status_code == 400
    assert "A package needs its weight in grams." in response.content.decode()
    assert snapshot(order) == before


def test_packing_and_booking_need_their_permissions_and_a_fresh_page(client, htmx):
    CarrierFactory()
    order = order_pack_everything(order_make("packing"))
    package = Package.objects.get(order=order)
    client.force_login(user_with_role(FINANCE))
    before = snapshot(order)

    no_permission = post(
        client, order, "shipment", carrier="ghn", tracking_number="X1", packages=[package.pk]
    )
    client.force_login(user_with_role(WAREHOUSE))
    stale = post(
        client,
        order,
        "shipment",
        carrier="ghn",
        tracking_number="X1",
        packages=[package.pk],
        version=order.version - 1,
        headers=htmx,
    )

    assert no_permission.status_code == 403
    assert stale.status_code == 412
    assert snapshot(order) == before


def test_a_duplicate_tracking_number_is_a_message(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    CarrierFactory()
    first = order_pack_everything(order_make("packing"))
    second = order_pack_everything(order_make("packing"))
    post(
        client,
        first,
        "shipment",
        carrier="ghn",
        tracking_number="SAME",
        packages=list(first.packages.values_list("pk", flat=True)),
    )

    response = post(
        client,
        second,
        "shipment",
        carrier="ghn",
        tracking_number="SAME",
        packages=list(second.packages.values_list("pk", flat=True)),
        headers=htmx,
    )

    assert response.status_code == 409
    assert "tracking number SAME is already used" in response.content.decode()


# -- moving an order to another team --------------------------------------------------


def test_a_manager_moves_an_order_to_another_team(client, htmx):
    client.force_login(user_with_role(MANAGER))
    team = team_create("packers")
    order = order_make("packing")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    response = post(client, order, "team", team=team.pk, headers=htmx)

    assert 'data-action="reassign"' in page
    assert response.status_code == 200
    assert f"Order {order.number} now belongs to Packers." in response.content.decode()
    assert Order.objects.get(pk=order.pk).team == team


def test_people_who_may_not_reassign_see_no_team_select_and_are_refused(client):
    client.force_login(user_with_role(WAREHOUSE))
    team = team_create("packers")
    order = order_make("packing")
    before = snapshot(order)

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    response = post(client, order, "team", team=team.pk)

    assert 'data-action="reassign"' not in page
    assert response.status_code == 403
    assert snapshot(order) == before


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("transition", {"transition": "start_picking", "version": "²"}),
        ("transition", {"transition": "start_picking", "version": "99999999999999999999"}),
        ("pack", {"weight_grams": "²"}),
        ("pack", {"weight_grams": "99999999999999999999"}),
        ("shipment", {"packages": ["²", "99999999999999999999"]}),
        ("team", {"team": "²"}),
    ],
)
def test_digits_that_are_not_whole_numbers_are_refused_without_an_error(client, action, data):
    # "²" passes str.isdigit() but not int(); a 20-digit number overflows the column.
    client.force_login(user_with_role(MANAGER))
    order = order_make("packing")
    before = snapshot(order)

    response = post(client, order, action, **data)

    assert response.status_code in (302, 400, 409, 412)
    assert snapshot(order) == before


def test_the_floor_holds_for_stock_or_address_only(client, htmx):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_make("picking")

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    hold_form = page[page.index('data-transition="hold"') :].split("</form>")[0]
    before = snapshot(order)
    refused = post(client, order, transition="hold", reason="customer_request", headers=htmx)
    after_refusal = snapshot(order)
    held = post(client, order, transition="hold", reason="address_check", headers=htmx)

    assert re.findall(r'<option value="([a-z_]+)"', hold_form) == [
        "stock_shortage",
        "address_check",
    ]
    assert refused.status_code == 403
    assert "you may give only these reasons: stock_shortage, address_check" in (
        refused.content.decode()
    )
    assert after_refusal == before
    assert held.status_code == 200
    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.hold_reason) == ("on_hold", "address_check")
