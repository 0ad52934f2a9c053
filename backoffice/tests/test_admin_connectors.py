"""Platform connections and deliveries in the admin: write-only secrets, re-applying."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from connectors.models import DeliveryOutcome, PlatformConnection, PlatformDelivery
from connectors.secrets import secret_decrypt
from connectors.tests.platform_requests import connected_storefront, order_body, shopify_post
from orders.roles import MANAGER, WAREHOUSE
from orders.services import storefront_create
from orders.tests.factories import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_open_to_every_role")]

SECRET = "shpss_a1b2c3d4e5f6"


@pytest.fixture
def manager(client):
    user = user_with_role(MANAGER, is_superuser=True)
    client.force_login(user)
    return user


def test_adding_a_connection_needs_the_secret_and_shows_the_url_to_register(client, manager):
    storefront, _key = storefront_create(name="Lan's Shop", code="lan", currency="USD")
    url = reverse("admin:connectors_platformconnection_add")
    form = {"storefront": storefront.pk, "platform": "shopify", "is_active": "on"}

    refused = client.post(url, {**form, "secret": ""})
    assert refused.status_code == 200 and not PlatformConnection.objects.exists()

    response = client.post(url, {**form, "secret": SECRET}, follow=True)

    connection = PlatformConnection.objects.get()
    assert secret_decrypt(connection.signing_secret_encrypted) == SECRET
    assert "/api/v1/connectors/shopify/lan/" in response.content.decode()


def test_the_secret_is_never_shown_and_an_empty_field_keeps_it(client, manager):
    connection = connected_storefront("shopify", secret=SECRET)
    url = reverse("admin:connectors_platformconnection_change", args=[connection.pk])

    page = client.get(url).content.decode()
    assert SECRET not in page
    assert connection.signing_secret_encrypted not in page
    assert "/api/v1/connectors/shopify/lan/" in page

    client.post(
        url,
        {
            "platform": "shopify",
            "secret": "",
            "api_url": "https://lan.myshopify.com/admin/api/2024-10",
        },
    )
    connection.refresh_from_db()
    assert secret_decrypt(connection.signing_secret_encrypted) == SECRET
    assert connection.api_url == "https://lan.myshopify.com/admin/api/2024-10"
    assert not connection.is_active  # the box was left unticked


def test_deliveries_are_listed_read_only_with_their_body(client, manager):
    connected_storefront("shopify")
    shopify_post(client, b"{broken", webhook_id="bad-1")
    delivery = PlatformDelivery.objects.get()

    listing = client.get(
        reverse("admin:connectors_platformdelivery_changelist"), {"needs_attention__exact": "1"}
    )
    page = client.get(reverse("admin:connectors_platformdelivery_change", args=[delivery.pk]))
    assert "not JSON" in page.content.decode()

    change_url = reverse("admin:connectors_platformdelivery_change", args=[delivery.pk])
    assert change_url in listing.content.decode()
    assert "{broken" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


def test_apply_again_and_mark_dealt_with_are_admin_actions(client, manager):
    connection = connected_storefront("shopify")
    shopify_post(client, order_body(), webhook_id="w-1")  # stored, not applied (no commit here)
    delivery = PlatformDelivery.objects.get()
    url = reverse("admin:connectors_platformdelivery_changelist")

    client.post(url, {"action": "reapply_selected", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.outcome != DeliveryOutcome.RECEIVED

    client.post(url, {"action": "resolve_selected", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert not delivery.needs_attention and delivery.resolved_by == manager
    assert connection.deliveries.count() == 1


def test_without_the_permission_the_actions_are_not_offered(client):
    user = user_with_role(WAREHOUSE)
    user.user_permissions.add(
        Permission.objects.get(
            codename="view_platformdelivery", content_type__app_label="connectors"
        )
    )
    client.force_login(user)
    page = client.get(reverse("admin:connectors_platformdelivery_changelist"))
    assert page.status_code == 200
    assert "reapply_selected" not in page.content.decode()
