"""Cancel, void and refund on the order page: a confirmation step first, and exact amounts."""

from decimal import Decimal

import pytest
from django.test import Client

from orders.models import Order
from orders.roles import MANAGER
from orders.tests.factories import StorefrontFactory, order_new, user_with_role

from .conftest import order_make
from .test_order_detail import post, snapshot

pytestmark = pytest.mark.django_db


def paid_card_order(**kwargs) -> Order:
    return order_make("picking", payment_method="card", payment_status="paid", **kwargs)


def test_a_refund_first_states_exactly_what_will_happen_and_moves_nothing(client):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    before = snapshot(order)

    page = post(client, order, transition="refund_payment", amount="100", note="Broken mug")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html  # a real page: it works without JavaScript
    assert (
        f"Refund ₫100 to the card of order {order.number}. "
        "Of the ₫210 paid, ₫100 will then be refunded."
    ) in html
    assert 'name="confirmed" value="1"' in html
    assert 'name="amount" value="100"' in html
    assert 'name="note" value="Broken mug"' in html
    assert "csrfmiddlewaretoken" in html
    assert snapshot(order) == before

    done = post(client, order, transition="refund_payment", amount="100", confirmed="1")

    stored = Order.objects.get(pk=order.pk)
    assert done.status_code == 302
    assert (stored.payment_status, stored.amount_refunded) == (
        "partially_refunded",
        Decimal("100.00"),
    )


def test_with_htmx_the_confirmation_replaces_the_panel_in_place(client, htmx):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()

    fragment = post(client, order, transition="refund_payment", amount="5", headers=htmx)

    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="order-panel"')
    assert f"Refund ₫5 to the card of order {order.number}." in html
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("0.00")


def test_cancelling_a_paid_order_says_the_whole_refund_before_doing_it(client):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    before = snapshot(order)

    page = post(client, order, transition="cancel", reason="Out of stock")

    assert (
        f"Cancel order {order.number}. Refund ₫210 to the card of order {order.number}."
    ) in page.content.decode()
    assert snapshot(order) == before

    post(client, order, transition="cancel", reason="Out of stock", confirmed="1")

    stored = Order.objects.get(pk=order.pk)
    assert (stored.status, stored.payment_status, stored.amount_refunded) == (
        "cancelled",
        "refunded",
        Decimal("210.00"),
    )


def test_voiding_an_authorization_says_what_is_released(client):
    client.force_login(user_with_role(MANAGER))
    order = order_make("picking", payment_method="card", payment_status="authorized")

    page = post(client, order, transition="void_payment")

    assert (
        f"Void the authorization of ₫210 on order {order.number}: "
        "the reserved money is released and never taken."
    ) in page.content.decode()
    assert Order.objects.get(pk=order.pk).payment_status == "authorized"


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("1.5", "VND amounts have no decimals."),
        ("", "Enter the amount to refund."),
        ("abc", "Enter a number."),
        ("0", "Must be more than 0 and at most ₫210."),
        ("211", "Must be more than 0 and at most ₫210."),
    ],
)
@pytest.mark.parametrize("confirmed", ["", "1"])
def test_a_bad_refund_amount_is_a_form_error_and_moves_nothing(
    client, htmx, amount, problem, confirmed
):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    before = snapshot(order)
    data = {"transition": "refund_payment", "amount": amount, "confirmed": confirmed}

    plain = post(client, order, **data)
    inline = post(client, order, headers=htmx, **data)

    for response in (plain, inline):
        html = response.content.decode()
        assert response.status_code == 400
        assert f'<span class="field-error" id="confirm-amount-error">{problem}</span>' in html
        assert 'name="confirmed"' not in html
    assert snapshot(order) == before


def test_a_garbled_version_is_refused_with_its_message_shown_and_moves_nothing(client, htmx):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    before = snapshot(order)
    data = {"transition": "refund_payment", "amount": "100", "version": "7x", "confirmed": "1"}

    for response in (post(client, order, **data), post(client, order, headers=htmx, **data)):
        html = response.content.decode()
        assert response.status_code == 400
        assert "The order version must be a whole number, as the page sent it." in html
        assert 'name="confirmed"' not in html
    assert snapshot(order) == before


def test_a_usd_refund_of_half_a_cent_is_refused():
    client = Client()
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory(code="usd-shop", currency="USD")
    order = order_new(
        storefront=storefront,
        payment_method="card",
        payment_status="paid",
        lines=[{"sku": "CUP-1", "name": "Cup", "quantity": 1, "unit_price": "12.50"}],
        shipping_price=Decimal("0"),
    )
    before = snapshot(order)

    response = post(client, order, transition="refund_payment", amount="0.005", confirmed="1")

    assert response.status_code == 400
    assert "USD amounts have at most 2 decimals." in response.content.decode()
    assert snapshot(order) == before


def test_a_cancel_without_a_reason_asks_for_it_on_the_confirmation_form(client):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    before = snapshot(order)

    response = post(client, order, transition="cancel", reason="  ", confirmed="1")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert snapshot(order) == before


def test_a_stale_page_is_still_refused_at_either_step(client, htmx):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    stale = order.version
    post(client, order, transition="hold", reason="other")
    before = snapshot(order)

    first = post(client, order, transition="refund_payment", amount="10", version=stale)
    confirmed = post(
        client,
        order,
        transition="refund_payment",
        amount="10",
        version=stale,
        confirmed="1",
        headers=htmx,
    )

    assert first.status_code == 302  # back to the order page with the message
    assert confirmed.status_code == 412
    assert "has changed since you loaded it" in confirmed.content.decode()
    assert snapshot(order) == before


def test_the_confirmation_needs_the_permission_and_the_csrf_token():
    from orders.roles import WAREHOUSE

    warehouse = Client()
    warehouse.force_login(user_with_role(WAREHOUSE))
    order = paid_card_order()
    before = snapshot(order)

    refused = post(warehouse, order, transition="refund_payment", amount="10")

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(MANAGER))
    no_token = post(strict, order, transition="refund_payment", amount="10", confirmed="1")

    assert refused.status_code == 403
    assert no_token.status_code == 403
    assert snapshot(order) == before


def test_the_amounts_read_the_way_of_the_staff_members_language(client, settings):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    page = post(client, order, transition="refund_payment", amount="100")

    assert page.status_code == 200
    assert "100\xa0₫" in page.content.decode()
    assert "210\xa0₫" in page.content.decode()


def test_the_confirm_button_says_the_act_as_a_sentence_in_the_readers_language(client):
    client.force_login(user_with_role(MANAGER))
    order = paid_card_order()

    refund = post(client, order, transition="refund_payment", amount="60").content.decode()
    cancel = post(client, order, transition="cancel", reason="Out of stock").content.decode()
    client.cookies["django_language"] = "vi"
    vi_refund = post(client, order, transition="refund_payment", amount="60").content.decode()

    assert "data-confirm-button>Yes, refund ₫60</button>" in refund
    assert "data-confirm-button>Yes, cancel the order</button>" in cancel
    assert "data-confirm-button>Có, hoàn 60\xa0₫</button>" in vi_refund
