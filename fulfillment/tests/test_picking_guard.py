"""`start_packing` waits until every line is picked or recorded short, on every face.

The rule is one guard (`fulfillment.guards.everything_picked`) on the order
lifecycle; the service, the API, bulk jobs, the admin and the dashboard all
refuse through it with the same words.
"""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.models import InventoryItem
from fulfillment.services.picking import picking_record
from orders import bulk as bulk_work
from orders.models import BulkJobItemStatus, Order, OrderEvent, OrderStatus
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import order_in_state, order_pick_everything, user_with_role
from shared.errors import InvalidTransition

pytestmark = pytest.mark.django_db

# order_in_state's lines: 2 x MUG-1 and 1 x TEA-7.
LEFT_TO_PICK = "Left to pick: 2 x MUG-1, 1 x TEA-7 (record each line as picked or short first)."


def shelves(mug: int = 10, tea: int = 10) -> None:
    InventoryItem.objects.create(sku="MUG-1", location="B-02-1", quantity_on_hand=mug)
    InventoryItem.objects.create(sku="TEA-7", location="A-01-3", quantity_on_hand=tea)


def unchanged(order: Order) -> bool:
    """The order is still picking at the version it had, with no packing event."""
    stored = Order.objects.get(pk=order.pk)
    return (
        stored.status == OrderStatus.PICKING
        and stored.version == order.version
        and not OrderEvent.objects.filter(order=order, transition="start_packing").exists()
    )


# -- the service ------------------------------------------------------------------------


def test_the_service_refuses_packing_before_any_pick_and_names_what_is_left():
    order = order_in_state(OrderStatus.PICKING)

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="start_packing", actor=user_with_role(WAREHOUSE))

    assert refusal.value.details == {"transition": "start_packing", "conditions": [LEFT_TO_PICK]}
    assert unchanged(order)


def test_a_partial_pick_leaves_only_the_rest_to_pick():
    shelves()
    order = order_in_state(OrderStatus.PICKING)
    picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 2}], actor=None)
    order.refresh_from_db()

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="start_packing", actor=None)

    assert refusal.value.details["conditions"] == [
        "Left to pick: 1 x TEA-7 (record each line as picked or short first)."
    ]
    assert unchanged(order)


def test_a_line_recorded_short_no_longer_blocks_packing_once_the_hold_is_released():
    shelves(mug=1)
    order = order_in_state(OrderStatus.PICKING)
    picking_record(
        order=order,
        picks=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        actor=None,
    )
    order = order_transition(order=order.pk, transition="release", actor=None)

    order = order_transition(order=order, transition="start_packing", actor=None)

    assert order.status == OrderStatus.PACKING


def test_everything_picked_lets_the_floor_start_packing():
    order = order_pick_everything(order_in_state(OrderStatus.PICKING))

    order = order_transition(
        order=order, transition="start_packing", actor=user_with_role(WAREHOUSE)
    )

    assert order.status == OrderStatus.PACKING


# -- the API ----------------------------------------------------------------------------


def test_the_api_answers_409_invalid_transition_with_the_guards_words():
    order = order_in_state(OrderStatus.PICKING)
    client = APIClient()
    user = user_with_role(WAREHOUSE)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    url = f"/api/v1/orders/{order.number}/transitions/"

    listed = client.get(url).json()["transitions"]
    response = client.post(url, {"transition": "start_packing"}, format="json")

    assert "start_packing" not in [option["name"] for option in listed]
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "invalid_transition",
            "message": f"Cannot start packing order {order.number}: {LEFT_TO_PICK}",
            "details": {"transition": "start_packing", "conditions": [LEFT_TO_PICK]},
        }
    }
    assert unchanged(order)


# -- bulk transitions -------------------------------------------------------------------


def test_the_bulk_preview_refuses_each_unpicked_order_with_its_own_reason():
    user = user_with_role(WAREHOUSE)
    picked = order_pick_everything(order_in_state(OrderStatus.PICKING))
    unpicked = order_in_state(OrderStatus.PICKING)

    preview = bulk_work.bulk_preview(
        user=user, numbers=[picked.number, unpicked.number], transition="start_packing"
    )

    assert [order.number for order in preview.eligible] == [picked.number]
    assert [(number, why) for number, _order, why in preview.refused] == [
        (unpicked.number, LEFT_TO_PICK)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_bulk_job_moves_the_picked_order_and_refuses_the_other():
    user = user_with_role(WAREHOUSE)
    picked = order_pick_everything(order_in_state(OrderStatus.PICKING))
    unpicked = order_in_state(OrderStatus.PICKING)
    job = bulk_work.bulk_job_start(
        user=user, numbers=[picked.number, unpicked.number], transition="start_packing"
    )

    job = bulk_work.bulk_job_run_now(job.pk)

    results = {item.order.number: item for item in job.items.select_related("order")}
    assert results[picked.number].status == BulkJobItemStatus.SUCCEEDED
    assert results[unpicked.number].status == BulkJobItemStatus.FAILED
    assert results[unpicked.number].error_code == "invalid_transition"
    assert LEFT_TO_PICK in results[unpicked.number].message
    assert Order.objects.get(pk=picked.pk).status == OrderStatus.PACKING
    assert unchanged(unpicked)


def test_the_dashboard_bulk_preview_shows_the_refusal(client):
    client.force_login(user_with_role(WAREHOUSE))
    unpicked = order_in_state(OrderStatus.PICKING)

    page = client.post(
        "/dashboard/bulk/", {"orders": [unpicked.number], "transition": "start_packing"}
    )

    html = page.content.decode()
    assert "Start packing: 0 of 1 orders can take it now" in html
    assert LEFT_TO_PICK in html


# -- the admin --------------------------------------------------------------------------


def test_the_admin_shows_the_button_greyed_and_refuses_the_post(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.PICKING)

    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    response = client.post(
        reverse("admin:orders_order_transition", args=[order.pk]),
        {"transition": "start_packing", "version": order.version},
        follow=True,
    )

    assert 'data-transition="start_packing"' not in page.content.decode()
    assert LEFT_TO_PICK in page.content.decode()
    # The picks themselves are recorded on the dashboard, linked from here.
    assert "Record picks on the dashboard" in page.content.decode()
    assert any(LEFT_TO_PICK in str(message) for message in response.context["messages"])
    assert unchanged(order)


# -- the dashboard ----------------------------------------------------------------------


def test_the_dashboard_greys_the_button_and_refuses_the_post_with_409(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PICKING)

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()
    response = client.post(
        f"/dashboard/orders/{order.number}/transition/",
        {"transition": "start_packing", "version": order.version},
        HTTP_HX_REQUEST="true",
    )

    assert 'data-transition="start_packing"' not in page
    assert 'data-blocked-transition="start_packing"' in page
    assert LEFT_TO_PICK in page
    assert response.status_code == 409
    assert LEFT_TO_PICK in response.content.decode()
    assert unchanged(order)
