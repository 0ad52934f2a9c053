"""The /track/ lookup and the order status page customers see."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fulfillment.services import shipment_hand_over, tracking_event_record
from orders.links import tracking_url
from orders.models import Order, OrderStatus
from orders.services import order_transition
from orders.tests.factories import CarrierFactory, order_in_state, order_new
from orders.tests.links import order_number_of_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Rate limits count in the cache: a cache of this test's own."""


def look_up(client, number, secret):
    return client.post("/track/", {"number": number, "email_or_postal_code": secret})


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("secret", ["lan@example.com", "LAN@Example.com", "700000", " 700 000 "])
def test_the_number_and_email_or_postal_code_open_the_status_page(client, secret):
    order = order_new()

    response = look_up(client, order.number.lower(), secret)

    assert response.status_code == 302
    assert response["Location"].startswith("/track/")
    assert order_number_of_link(response["Location"]) == order.number


def test_a_wrong_pair_and_an_unknown_number_get_the_same_answer(client):
    order = order_new()

    wrong_email = look_up(client, order.number, "someone@else.com")
    unknown = look_up(client, "ORNOSUCH1", "lan@example.com")

    assert wrong_email.status_code == unknown.status_code == 200
    assert without_csrf(wrong_email.content.decode()).replace(order.number, "") == without_csrf(
        unknown.content.decode()
    ).replace("ORNOSUCH1", "")
    assert "We could not find an order with these details." in unknown.content.decode()


def test_the_eleventh_rapid_attempt_is_refused(client):
    order = order_new()

    answers = [look_up(client, order.number, f"guess{i}@x.com").status_code for i in range(10)]
    eleventh = look_up(client, order.number, "lan@example.com")

    assert answers == [200] * 10
    assert eleventh.status_code == 429
    assert "Too many attempts" in eleventh.content.decode()


def test_the_limit_is_per_client_address():
    order = order_new()
    first, second = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")

    for _ in range(11):
        look_up(first, order.number, "nope@x.com")

    assert look_up(second, order.number, "lan@example.com").status_code == 302


def test_the_form_needs_its_csrf_token():
    order = order_new()

    response = look_up(Client(enforce_csrf_checks=True), order.number, "lan@example.com")

    assert response.status_code == 403


def status_page(client, order, **params):
    return client.get(tracking_url(order).removeprefix("http://127.0.0.1:8000"), params)


def test_the_page_shows_progress_shipments_and_the_timeline_but_nothing_internal(client):
    order = order_in_state(OrderStatus.SHIPPED)
    order_transition(order=order, transition="hold", actor=None, reason="delivery_failed",
                     note="Driver Minh says the gate was locked")  # fmt: skip

    html = status_page(client, order).content.decode()

    assert "Delayed" in html
    assert "The carrier could not deliver the parcel" in html
    assert 'aria-current="step"' in html
    assert re.search(r'class=" current"[^>]*>\s*On its way', html)
    assert "https://track.example/GHN" in html
    assert "Driver Minh" not in html
    assert "Times are shown in Asia/Ho_Chi_Minh." in html


def test_a_cancelled_order_says_so_plainly(client):
    order = order_in_state(OrderStatus.CANCELLED)

    html = status_page(client, order).content.decode()

    assert "This order has been cancelled." in html
    assert 'class="progress"' not in html


def test_the_page_follows_the_customers_language_and_can_switch(client):
    order = order_in_state(OrderStatus.PICKING)
    order.customer.language = "vi"
    order.customer.save()

    vietnamese = status_page(client, order)
    english = status_page(client, order, lang="en")

    assert vietnamese["Content-Language"] == "vi"
    assert "Đang lấy hàng" in vietnamese.content.decode()
    assert ">English</a>" in vietnamese.content.decode()  # each language named in its own tongue
    assert english["Content-Language"] == "en"
    assert "Being picked" in english.content.decode()


def test_the_page_shows_the_promised_delivery_date(client):
    order = order_in_state(OrderStatus.PROCESSING)
    promised = order.promised_delivery_date

    html = status_page(client, order).content.decode()

    assert promised is not None
    assert f'<time datetime="{promised:%Y-%m-%d}">' in html
    assert "Expected delivery" in html


def test_the_carriers_estimate_replaces_the_promise(client):
    order = order_in_state(OrderStatus.SHIPPED)
    shipment = order.shipments.get()
    estimate = order.promised_delivery_date + timedelta(days=4)

    tracking_event_record(
        carrier=shipment.carrier,
        event_id="scan-1",
        tracking_number=shipment.tracking_number,
        status="in_transit",
        occurred_at=timezone.now(),
        location="Hub Tân Bình",
        estimated_delivery_date=estimate,
    )

    html = status_page(client, order).content.decode()
    assert f'<time datetime="{estimate:%Y-%m-%d}">' in html
    assert "Hub Tân Bình" in html  # the latest carrier scan


def test_a_late_order_says_so_instead_of_a_date_in_the_past(client):
    order = order_in_state(OrderStatus.PICKING)
    Order.objects.filter(pk=order.pk).update(
        promised_delivery_date=timezone.localdate() - timedelta(days=2)
    )

    html = status_page(client, order).content.decode()

    assert "It is taking longer than planned" in html


def test_a_delivered_order_shows_its_delivery_day_not_an_estimate(client):
    order = order_in_state(OrderStatus.DELIVERED)

    html = status_page(client, order).content.decode()

    assert "Expected delivery" not in html
    assert "Delivered" in html


def test_the_page_makes_the_same_number_of_queries_however_long_the_history(
    client, django_assert_max_num_queries
):
    order = order_in_state(OrderStatus.SHIPPED)
    shipment = order.shipments.get()
    for index in range(15):
        tracking_event_record(
            carrier=shipment.carrier,
            event_id=f"scan-{index}",
            tracking_number=shipment.tracking_number,
            status="in_transit",
            occurred_at=timezone.now(),
        )

    # 7 with the parts of a split order (back-orders), read once.
    with django_assert_max_num_queries(7):
        assert status_page(client, order).status_code == 200


def test_a_delivery_staff_recorded_shows_on_the_shipment_too(client):
    order = order_in_state(OrderStatus.DELIVERED)  # delivered by hand, no carrier scan

    html = status_page(client, order).content.decode()

    assert "Label created" not in html
    assert re.search(r"GHN\d+<span[^>]*>[^<]*</span></a> · Delivered</p>", html)


@pytest.mark.parametrize("language, total", [("en", "₫355,001"), ("vi", "355.001\xa0₫")])
def test_money_is_shown_the_local_way_without_fake_decimals(client, language, total):
    order = order_in_state(OrderStatus.PROCESSING)

    html = status_page(client, order, lang=language).content.decode()

    assert f"<strong>{total}</strong>" in html


def test_a_shipments_status_is_in_the_pages_language(client):
    order = order_in_state(OrderStatus.SHIPPED)
    shipment = order.shipments.get()
    tracking_event_record(
        carrier=shipment.carrier,
        event_id="scan-out",
        tracking_number=shipment.tracking_number,
        status="out_for_delivery",
        occurred_at=timezone.now(),
    )

    vietnamese = status_page(client, order, lang="vi").content.decode()
    english = status_page(client, order, lang="en").content.decode()

    shipment_line = re.compile(r"<p><strong>[^<]+</strong> · .*? · ([^<]+)</p>")
    assert shipment_line.search(vietnamese).group(1) == "Đang giao hàng"
    assert shipment_line.search(english).group(1) == "Out for delivery"


def test_the_customer_sees_every_leg_including_the_line_haul_before_the_hand_over(
    client, django_assert_max_num_queries
):
    order = order_in_state(OrderStatus.SHIPPED)  # booked with GHN
    line_haul = order.shipments.get()
    CarrierFactory(
        code="vnpost",
        name="VNPost",
        tracking_url_template="https://vnpost.example/{tracking_number}",
    )
    last_mile = shipment_hand_over(
        order=order,
        previous_leg_id=line_haul.pk,
        carrier_code="vnpost",
        tracking_number="VN-LM-7",
        actor=None,
    )
    tracking_event_record(
        carrier=last_mile.carrier,
        event_id="lm-1",
        tracking_number="VN-LM-7",
        status="out_for_delivery",
        occurred_at=timezone.now(),
        location="Hà Nội",
    )

    with django_assert_max_num_queries(7):  # as with one leg
        html = status_page(client, order).content.decode()

    shipments = html[html.index("<h2>Shipments</h2>") : html.index("<h2>Items</h2>")]
    # Both legs, in the order they carried the parcel, each with its own link.
    assert shipments.index(line_haul.tracking_number) < shipments.index("VN-LM-7")
    assert f'href="https://track.example/{line_haul.tracking_number}"' in shipments
    assert 'href="https://vnpost.example/VN-LM-7"' in shipments
    assert "Line haul" in shipments and "Last mile" in shipments
    assert "Handed over to VNPost for delivery, tracking number VN-LM-7." in shipments
    assert "Out for delivery, Hà Nội" in shipments
    # Nothing staff-only: the hand-over's internal note is not on the page.
    assert "handed over to vnpost VN-LM-7" not in html
