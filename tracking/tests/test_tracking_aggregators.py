"""What the customer sees of the aggregators' scans: the pickup place, local times at the place."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aggregators.tests.conftest import aftership_post, easypost_post, payload, shipped_shipment
from orders.links import tracking_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.AFTERSHIP_WEBHOOK_SECRET = "test-aftership-secret"
    settings.EASYPOST_WEBHOOK_SECRET = "test-easypost-secret-ﬁ"


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Rate limits count in the cache: a cache of this test's own."""


def status_page(client, order) -> str:
    response = client.get(tracking_url(order).removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    return response.content.decode()


def test_ready_for_pickup_is_said_with_the_place(client):
    shipment = shipped_shipment("GHNAS0000001")

    aftership_post(client, payload("aftership_2026-07_available_for_pickup.json"))

    page = status_page(client, shipment.order)
    pickup = page[page.index("data-pickup") :]
    pickup = pickup[: pickup.index("</div>")]
    assert "Ready for pickup" in pickup
    assert "Bưu cục Cầu Giấy, 12 Trần Thái Tông, Hà Nội" in pickup
    assert "Ready for pickup at the post office until 09/12" in pickup


def test_no_pickup_notice_while_the_parcel_is_on_its_way(client):
    shipment = shipped_shipment("GHNAS0000001")

    aftership_post(client, payload("aftership_2026-07_tracking_update.json"))

    assert "data-pickup" not in status_page(client, shipment.order)


def test_scans_show_the_local_time_at_their_place_with_its_offset(client):
    shipment = shipped_shipment("GHNAS0000001")
    body = payload("aftership_2026-07_tracking_update.json")
    # A hub in Tokyo: 10:05 there is 08:05 in Ho Chi Minh City, the page's own time zone.
    body["msg"]["checkpoints"][1]["checkpoint_time"] = "2026-11-30T10:05:00+09:00"
    body["msg"]["checkpoints"][1]["location"] = "Tokyo Hub"

    aftership_post(client, body)

    page = status_page(client, shipment.order)
    assert "30 Nov 2026, 10:05 (UTC+09:00)</time>" in page
    assert ", 08:05" not in page
    assert "Tokyo Hub" in page
    # The machine-readable time is the same instant.
    assert 'datetime="2026-11-30T08:05:00+07:00"' in page


def test_a_scan_given_in_utc_is_shown_in_the_shops_time_zone(client):
    shipment = shipped_shipment("1234567890", easypost_carrier="DHLExpress")

    easypost_post(client, payload("easypost_tracker_updated.json"))

    page = status_page(client, shipment.order)
    assert "12:04" in page  # 05:04 UTC in Ho Chi Minh City
    assert "(UTC+" not in page
    assert "HO CHI MINH CITY, 700000, VN" in page


def test_the_aggregators_estimate_is_the_customers_expected_delivery(client):
    shipment = shipped_shipment("GHNAS0000001")

    soon = timezone.localdate() + timedelta(days=6)
    body = payload("aftership_2026-07_tracking_update.json")
    body["msg"]["latest_estimated_delivery"]["datetime"] = f"{soon:%Y-%m-%d}T18:00:00+07:00"

    aftership_post(client, body)

    assert f'<time datetime="{soon:%Y-%m-%d}">' in status_page(client, shipment.order)
