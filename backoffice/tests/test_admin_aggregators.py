"""Tracking updates in the admin: read-only with their body, applied again or dealt with."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from aggregators.models import TrackingUpdate, UpdateOutcome
from aggregators.tests.conftest import aftership_post, payload, shipped_shipment
from orders.roles import MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_open_to_every_role")]


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.AFTERSHIP_WEBHOOK_SECRET = "test-aftership-secret"


@pytest.fixture
def unmatched(client) -> TrackingUpdate:
    assert aftership_post(client, payload("aftership_2026-07_tracking_update.json")).status_code
    update = TrackingUpdate.objects.get()
    assert update.outcome == UpdateOutcome.UNMATCHED
    return update


def test_updates_are_listed_read_only_with_their_body(client, unmatched):
    client.force_login(user_with_role(MANAGER))

    listed = client.get(
        reverse("admin:aggregators_trackingupdate_changelist"), {"needs_attention__exact": "1"}
    )
    page = client.get(reverse("admin:aggregators_trackingupdate_change", args=[unmatched.pk]))

    assert listed.status_code == 200
    assert "GHNAS0000001" in listed.content.decode()
    assert page.status_code == 200
    assert "Picked up by the courier" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_apply_again_and_mark_dealt_with_are_admin_actions(client, unmatched):
    client.force_login(user_with_role(MANAGER))
    shipment = shipped_shipment("GHNAS0000001")
    url = reverse("admin:aggregators_trackingupdate_changelist")

    client.post(url, {"action": "reapply_selected", "_selected_action": [unmatched.pk]})
    unmatched.refresh_from_db()
    assert unmatched.outcome == UpdateOutcome.APPLIED
    assert unmatched.shipment_id == shipment.pk

    unmatched.needs_attention = True
    unmatched.save(update_fields=["needs_attention"])
    client.post(url, {"action": "resolve_selected", "_selected_action": [unmatched.pk]})
    unmatched.refresh_from_db()
    assert not unmatched.needs_attention


def test_without_the_permission_the_actions_are_not_offered(client, unmatched):
    user = user_with_role(WAREHOUSE)
    user.user_permissions.add(
        Permission.objects.get(
            codename="view_trackingupdate", content_type__app_label="aggregators"
        )
    )
    client.force_login(user)

    page = client.get(reverse("admin:aggregators_trackingupdate_changelist"))

    assert page.status_code == 200
    assert "reapply_selected" not in page.content.decode()
    assert "resolve_selected" not in page.content.decode()


def test_the_carrier_admin_shows_the_aggregator_names(client):
    shipment = shipped_shipment("X1", aftership_slug="ghn", easypost_carrier="GHNExpress")
    client.force_login(user_with_role(MANAGER, is_superuser=True))

    listed = client.get(reverse("admin:fulfillment_carrier_changelist")).content.decode()
    form = client.get(
        reverse("admin:fulfillment_carrier_change", args=[shipment.carrier_id])
    ).content.decode()

    assert "GHNExpress" in listed
    assert 'name="aftership_slug"' in form and 'name="easypost_carrier"' in form
