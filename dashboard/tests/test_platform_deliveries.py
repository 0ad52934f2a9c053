"""The dashboard's platform deliveries: the list, one delivery, applying again, dealing with it."""

import pytest

from connectors.models import DeliveryOutcome, PlatformDelivery
from connectors.tests.payloads import payload_bytes
from connectors.tests.platform_requests import connected_storefront, shopify_post
from orders.models import Order
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

# Applying a delivery is a Celery task: in this process, also where CI sets a broker.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]


@pytest.fixture
def wrong_currency_delivery(client, django_capture_on_commit_callbacks) -> PlatformDelivery:
    """A real Shopify order posted to a storefront set up in the wrong currency: it fails."""
    connection = connected_storefront("shopify", code="lan", currency="VND")
    with django_capture_on_commit_callbacks(execute=True):
        response = shopify_post(client, payload_bytes("shopify_order_paid"), webhook_id="w-1")
    assert response.status_code == 200
    delivery = PlatformDelivery.objects.get(connection=connection)
    assert delivery.outcome == DeliveryOutcome.FAILED
    assert delivery.needs_attention
    return delivery


def test_the_nav_counts_deliveries_needing_attention_and_the_list_shows_them(
    client, wrong_currency_delivery
):
    client.force_login(user_with_role(CUSTOMER_CARE))

    home = client.get("/dashboard/board/")
    listed = client.get("/dashboard/platform-deliveries/?attention=1")

    assert "data-platform-deliveries-open>1<" in home.content.decode()
    assert listed.status_code == 200
    page = listed.content.decode()
    assert f'data-delivery="{wrong_currency_delivery.pk}"' in page
    assert "USD" in page  # the error says which currency the order was in


def test_one_delivery_shows_its_raw_body_headers_and_error(client, wrong_currency_delivery):
    client.force_login(user_with_role(MANAGER))

    response = client.get(f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "data-raw-body" in page and "6512003334455" in page
    assert "x-shopify-topic" in page.lower()
    assert "Apply again" in page and "Mark dealt with" in page
    pk = wrong_currency_delivery.pk
    assert f'action="/dashboard/platform-deliveries/{pk}/apply/"' in page
    assert f'action="/dashboard/platform-deliveries/{pk}/resolve/"' in page


def test_applying_again_after_the_storefront_is_fixed_creates_the_order(
    client, wrong_currency_delivery, django_capture_on_commit_callbacks
):
    storefront = wrong_currency_delivery.connection.storefront
    storefront.currency = "USD"
    storefront.save(update_fields=["currency"])
    client.force_login(user_with_role(MANAGER))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/apply/"
        )

    assert response.status_code == 302
    wrong_currency_delivery.refresh_from_db()
    assert wrong_currency_delivery.outcome == DeliveryOutcome.APPLIED
    assert not wrong_currency_delivery.needs_attention
    assert Order.objects.filter(storefront=storefront, external_id="6512003334455").exists()


def test_marking_it_dealt_with_takes_it_off_the_list(client, wrong_currency_delivery):
    client.force_login(user_with_role(CUSTOMER_CARE))

    response = client.post(f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/resolve/")

    assert response.status_code == 302
    wrong_currency_delivery.refresh_from_db()
    assert not wrong_currency_delivery.needs_attention
    assert wrong_currency_delivery.resolved_at is not None
    listed = client.get("/dashboard/platform-deliveries/?attention=1").content.decode()
    assert f'data-delivery="{wrong_currency_delivery.pk}"' not in listed


def test_the_warehouse_sees_no_deliveries_and_cannot_act_on_them(client, wrong_currency_delivery):
    client.force_login(user_with_role(WAREHOUSE))

    pages = [
        client.get("/dashboard/platform-deliveries/"),
        client.get(f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/"),
        client.post(f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/apply/"),
        client.post(f"/dashboard/platform-deliveries/{wrong_currency_delivery.pk}/resolve/"),
    ]

    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    wrong_currency_delivery.refresh_from_db()
    assert wrong_currency_delivery.needs_attention
    assert "platform-deliveries" not in client.get("/dashboard/board/").content.decode()


def test_the_order_page_says_the_platform_sent_a_change_it_could_not_take(
    client, django_capture_on_commit_callbacks
):
    connected_storefront("shopify", code="lan", currency="USD")
    with django_capture_on_commit_callbacks(execute=True):
        shopify_post(client, payload_bytes("shopify_order_paid"), webhook_id="w-create")
    order = Order.objects.get(external_id="6512003334455")
    delivery = PlatformDelivery.objects.get(delivery_id="w-create")
    # A later change the order refused (as an update after packing would be).
    delivery.pk = None
    delivery.delivery_id = "w-refused"
    delivery.outcome = DeliveryOutcome.REFUSED
    delivery.needs_attention = True
    delivery.error = "Packing has started: the lines can no longer change."
    delivery.save()
    client.force_login(user_with_role(MANAGER))

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert "data-platform-flags" in page
    assert "Packing has started" in page
