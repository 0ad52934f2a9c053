"""The dashboard's tracking updates: the list, one update, applying again, dealing with it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aggregators.models import TrackingUpdate, UpdateOutcome
from aggregators.tests.conftest import aftership_post, payload, shipped_shipment
from fulfillment.models import ShipmentStatus
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.AFTERSHIP_WEBHOOK_SECRET = "test-aftership-secret"


def unmatched(client, event_id: str = "ev-unmatched", number: str = "GHNAS0000001"):
    body = payload("aftership_2026-07_tracking_update.json")
    body["event_id"], body["msg"]["tracking_number"] = event_id, number
    assert aftership_post(client, body).json()["outcome"] == "unmatched"
    return TrackingUpdate.objects.get(event_id=event_id)


def test_the_nav_counts_updates_needing_attention_and_the_list_shows_them(client):
    update = unmatched(client)
    client.force_login(user_with_role(CUSTOMER_CARE))

    home = client.get("/dashboard/board/").content.decode()
    listed = client.get("/dashboard/tracking-updates/?attention=1")

    assert "data-tracking-updates-open>1<" in home
    assert listed.status_code == 200
    page = listed.content.decode()
    assert f'data-tracking-update="{update.pk}"' in page
    assert "GHNAS0000001" in page


def test_the_list_is_for_customer_care_and_managers(client):
    unmatched(client)
    client.force_login(user_with_role(WAREHOUSE))

    assert client.get("/dashboard/tracking-updates/").status_code == 403
    assert 'data-nav="tracking-updates"' not in client.get("/dashboard/board/").content.decode()


def applied(client, event_id: str, number: str) -> None:
    shipped_shipment(number)
    body = payload("aftership_2026-07_tracking_update.json")
    body["event_id"], body["msg"]["tracking_number"] = event_id, number
    assert aftership_post(client, body).json()["outcome"] == "applied"


def test_the_list_makes_the_same_number_of_queries_however_many_updates(client):
    client.force_login(user_with_role(MANAGER))
    unmatched(client, "one", "N1")
    applied(client, "two", "N2")
    client.get("/dashboard/tracking-updates/")  # the session and permissions, once
    with CaptureQueriesContext(connection) as two:
        client.get("/dashboard/tracking-updates/")
    for index in range(5):
        unmatched(client, f"more-{index}", f"M{index}")
        applied(client, f"s-{index}", f"S{index}")

    with CaptureQueriesContext(connection) as twelve:
        response = client.get("/dashboard/tracking-updates/")

    assert response.content.decode().count("data-tracking-update=") == 12
    assert len(twelve) == len(two)


def test_one_update_shows_its_raw_body_headers_and_error(client):
    update = unmatched(client)
    client.force_login(user_with_role(MANAGER))

    page = client.get(f"/dashboard/tracking-updates/{update.pk}/").content.decode()

    assert "data-raw-body" in page and "Picked up by the courier" in page
    assert "as-webhook-version" in page
    assert "No shipment has tracking number GHNAS0000001" in page
    assert "Apply again" in page and "Mark dealt with" in page
    assert f'action="/dashboard/tracking-updates/{update.pk}/apply/"' in page
    assert f'action="/dashboard/tracking-updates/{update.pk}/resolve/"' in page
    assert 'data-outcome="unmatched"' in page


def test_applying_again_once_the_shipment_exists_moves_it(client):
    update = unmatched(client)
    shipment = shipped_shipment("GHNAS0000001")
    client.force_login(user_with_role(CUSTOMER_CARE))

    response = client.post(f"/dashboard/tracking-updates/{update.pk}/apply/")

    assert response.status_code == 302
    update.refresh_from_db()
    shipment.refresh_from_db()
    assert update.outcome == UpdateOutcome.APPLIED
    assert not update.needs_attention
    assert shipment.status == ShipmentStatus.IN_TRANSIT


def test_marking_it_dealt_with_takes_it_off_the_attention_list(client):
    update = unmatched(client)
    care = user_with_role(CUSTOMER_CARE)
    client.force_login(care)

    client.post(f"/dashboard/tracking-updates/{update.pk}/resolve/")

    update.refresh_from_db()
    assert not update.needs_attention
    assert update.resolved_by == care
    page = client.get("/dashboard/tracking-updates/?attention=1").content.decode()
    assert f'data-tracking-update="{update.pk}"' not in page


def test_a_warehouse_user_cannot_apply_or_resolve(client):
    update = unmatched(client)
    client.force_login(user_with_role(WAREHOUSE))

    assert client.post(f"/dashboard/tracking-updates/{update.pk}/apply/").status_code == 403
    assert client.post(f"/dashboard/tracking-updates/{update.pk}/resolve/").status_code == 403
    update.refresh_from_db()
    assert update.needs_attention
    assert update.attempts == 1
