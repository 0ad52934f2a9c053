"""Asking for a new delivery address or a cancellation on the tracking page."""

import re

import pytest
from django.test import Client

from orders.links import tracking_token_make
from orders.models import ChangeRequestStatus, OrderChangeRequest, OrderStatus
from orders.roles import CUSTOMER_CARE
from orders.services import change_request_reject
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Rate limits count in the cache: a cache of this test's own."""


def page_url(order) -> str:
    return f"/track/{tracking_token_make(order)}/"


def change_url(order) -> str:
    return f"/track/{tracking_token_make(order)}/change/"


def address_post(**fields) -> dict:
    return {
        "form": "address",
        "address-name": "Trần Văn Minh",
        "address-line1": "45 Hai Bà Trưng",
        "address-line2": "",
        "address-city": "Hà Nội",
        "address-postal_code": "100000",
        "address-country": "vn",
        "address-phone": "",
        "address-message": "I moved.",
        **fields,
    }


def cancel_post(order, kind="cancel_items", **quantities) -> dict:
    return {
        "form": "cancel",
        "cancel-kind": kind,
        **{
            f"cancel-line_{order.lines.get(sku=sku).pk}": quantity
            for sku, quantity in quantities.items()
        },
        "cancel-message": "",
    }


def test_before_shipping_the_page_offers_both_forms(client):
    order = order_in_state(OrderStatus.PROCESSING)

    html = client.get(page_url(order)).content.decode()

    assert 'data-change-form="address"' in html
    assert 'data-change-form="cancel"' in html
    assert "Some items (choose how many of each)" in html


def test_once_picking_started_only_the_address_may_change(client):
    order = order_in_state(OrderStatus.PICKING)

    html = client.get(page_url(order)).content.decode()

    assert 'data-change-form="address"' in html
    assert 'data-change-form="cancel"' not in html


def test_after_shipping_nothing_is_offered(client):
    html = client.get(page_url(order_in_state(OrderStatus.SHIPPED))).content.decode()

    assert "data-change-form" not in html
    assert 'id="changes"' not in html


def test_a_customer_asks_for_a_new_address_and_sees_it_waiting(client):
    order = order_in_state(OrderStatus.PROCESSING)

    response = client.post(change_url(order), address_post())

    assert response.status_code == 302
    assert response["Location"].endswith("?lang=en&asked=pending#changes")
    request = OrderChangeRequest.objects.get()
    assert (request.kind, request.status, request.message) == ("address", "pending", "I moved.")
    assert request.address["country"] == "VN"
    html = client.get(response["Location"]).content.decode()
    assert "We have your request and will answer by e-mail." in html
    assert "Trần Văn Minh, 45 Hai Bà Trưng, Hà Nội, 100000, VN" in html
    assert "Waiting for our answer" in html
    assert "Request received: Change the delivery address" in html
    # Asked once: the form is not offered again while it waits.
    assert 'data-change-form="address"' not in html


def test_the_storefronts_rule_cancels_at_once_and_the_page_says_so(client):
    storefront = StorefrontFactory(code="quick-cancel", customer_cancellations_auto=True)
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)

    response = client.post(change_url(order), cancel_post(order, kind="cancel_order"))

    assert response["Location"].endswith("asked=applied#changes")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    html = client.get(response["Location"]).content.decode()
    assert "Done: your order has been changed as you asked." in html
    assert "This order has been cancelled." in html


def test_the_outcome_and_reason_show_but_never_who_decided(client):
    care = user_with_role(CUSTOMER_CARE, first_name="Hoa", last_name="Staffmember")
    order = order_in_state(OrderStatus.PROCESSING)
    client.post(change_url(order), cancel_post(order, **{"MUG-1": 1}))
    change_request_reject(
        request=OrderChangeRequest.objects.get(), actor=care, note="It is already gift-wrapped."
    )

    html = client.get(page_url(order)).content.decode()

    assert "Not possible</strong>: It is already gift-wrapped." in html
    assert "Mug \u00d7 1" in html
    assert "Staffmember" not in html
    assert care.username not in html


@pytest.mark.parametrize(
    "post, field_error",
    [
        (address_post(**{"address-city": ""}), "This field is required."),
        (address_post(**{"address-country": "Vietnam"}), "Use the two-letter country code"),
        (address_post(**{"address-line1": "x" * 300}), "at most 255 characters"),
    ],
)
def test_bad_address_input_is_a_form_error_and_writes_nothing(client, post, field_error):
    order = order_in_state(OrderStatus.PROCESSING)

    response = client.post(change_url(order), post)

    assert response.status_code == 400
    assert field_error in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not OrderChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "quantities, message",
    [
        ({"MUG-1": 3}, "less than or equal to 2"),
        ({"MUG-1": "two"}, "Enter a whole number."),
        ({"MUG-1": 0, "TEA-7": 0}, "Choose at least one item to cancel."),
    ],
)
def test_bad_quantities_are_form_errors(client, quantities, message):
    order = order_in_state(OrderStatus.PROCESSING)

    response = client.post(change_url(order), cancel_post(order, **quantities))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OrderChangeRequest.objects.exists()


@pytest.mark.parametrize(
    "post",
    [
        {"form": "nonsense"},
        {},
        {"form": "cancel", "cancel-kind": "explode"},
        {"form": "address", "address-name": ["a", "b"]},
    ],
)
def test_garbage_never_breaks_the_page(client, post):
    order = order_in_state(OrderStatus.PROCESSING)

    response = client.post(change_url(order), post)

    assert response.status_code in (400, 409)
    assert not OrderChangeRequest.objects.exists()


def test_too_late_is_refused_with_a_clear_message(client):
    order = order_in_state(OrderStatus.SHIPPED)

    response = client.post(change_url(order), address_post())

    assert response.status_code == 409
    assert "This change can no longer be asked for here." in response.content.decode()
    assert not OrderChangeRequest.objects.exists()


def test_asking_twice_is_refused_and_the_first_stays(client):
    order = order_in_state(OrderStatus.PROCESSING)
    client.post(change_url(order), address_post())

    again = client.post(change_url(order), address_post(**{"address-line1": "1 Other St"}))

    assert again.status_code == 409
    assert OrderChangeRequest.objects.get().status == ChangeRequestStatus.PENDING


def test_the_form_needs_its_csrf_token():
    order = order_in_state(OrderStatus.PROCESSING)

    response = Client(enforce_csrf_checks=True).post(change_url(order), address_post())

    assert response.status_code == 403
    assert not OrderChangeRequest.objects.exists()


def test_the_sixth_request_in_an_hour_from_one_address_is_refused(client, settings):
    orders = [order_in_state(OrderStatus.PROCESSING) for _ in range(6)]

    answers = [client.post(change_url(order), address_post()).status_code for order in orders]

    assert answers == [302] * 5 + [429]
    assert OrderChangeRequest.objects.count() == 5


def test_errors_are_in_the_pages_language(client):
    order = order_in_state(OrderStatus.PROCESSING)

    response = client.post(
        change_url(order), {**address_post(**{"address-city": ""}), "lang": "vi"}
    )

    assert response.status_code == 400
    assert "Trường này là bắt buộc." in response.content.decode()


def test_the_page_makes_no_more_queries_for_an_order_nobody_asked_to_change(
    client, django_assert_max_num_queries
):
    order = order_in_state(OrderStatus.PROCESSING)

    with django_assert_max_num_queries(6):
        html = client.get(page_url(order)).content.decode()

    assert re.search(r'<h2 id="changes">', html)
