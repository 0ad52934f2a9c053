"""In production a webhook goes to public addresses only: refused when configured and when sent.

WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is off here (the project's conftest turns it on
for the other webhook tests, whose receiver listens on 127.0.0.1).
"""

import socket

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from orders.models import Storefront
from orders.roles import MANAGER
from orders.services import storefront_create
from orders.tests.factories import StorefrontFactory, order_new, user_with_role
from shared import outbound
from shared.errors import OrderValidationError
from shared.outbound import address_is_public, url_address_problem
from webhooks.delivery import webhook_event_deliver_now
from webhooks.models import WebhookAttempt, WebhookEvent, WebhookEventStatus

from .test_webhooks import Receiver

PUBLIC = "93.184.215.14"  # a globally routable address, written as a literal: no DNS needed

NOT_PUBLIC = [
    "http://127.0.0.1/hooks",
    "http://localhost:8000/hooks",
    "http://10.1.2.3/hooks",
    "http://172.16.0.9/hooks",
    "http://192.168.1.20/hooks",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://100.64.0.1/hooks",  # carrier-grade NAT
    "http://0.0.0.0/hooks",
    "http://[::1]/hooks",
    "http://[fe80::1]/hooks",
    "http://[fd00::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",  # IPv4-mapped loopback
    "https://2130706433/hooks",  # 127.0.0.1 as one decimal number
]


@pytest.fixture(autouse=True)
def _production_rule(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_a_url_that_resolves_to_a_non_public_address_is_refused(url):
    assert "not a public address" in url_address_problem(url)


def test_a_public_address_is_accepted():
    assert url_address_problem(f"https://{PUBLIC}/hooks") == ""
    assert address_is_public(PUBLIC)
    assert not address_is_public("::ffff:10.0.0.1")


def test_the_setting_allows_private_receivers_for_development(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True

    assert url_address_problem("http://127.0.0.1:9000/hooks") == ""


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1/hooks", "http://169.254.169.254/"])
def test_a_storefront_cannot_be_created_with_a_private_webhook_url(url):
    with pytest.raises(OrderValidationError) as refused:
        storefront_create(name="Sneaky", webhook_url=url)

    assert list(refused.value.details) == ["webhook_url"]
    assert not Storefront.objects.exists()


@pytest.mark.django_db
def test_the_create_storefront_command_refuses_a_private_webhook_url():
    with pytest.raises(CommandError, match="not a public address"):
        call_command("create_storefront", "Sneaky", "--webhook-url", "http://10.0.0.5/h")

    assert not Storefront.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_a_private_webhook_url_with_a_form_error():
    client = Client()
    client.force_login(user_with_role(MANAGER, is_superuser=True))
    form = {
        "name": "Sneaky",
        "code": "sneaky",
        "currency": "VND",
        "default_language": "en",
        "is_active": "on",
        "webhook_url": "http://169.254.169.254/latest/meta-data/",
        "service_levels-TOTAL_FORMS": "0",
        "service_levels-INITIAL_FORMS": "0",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }

    response = client.post("/admin/orders/storefront/add/", form)

    assert response.status_code == 200
    assert "not a public address" in response.content.decode()
    assert not Storefront.objects.exists()


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.close()


@pytest.mark.django_db
def test_a_delivery_to_a_url_that_now_resolves_privately_is_refused_and_sends_nothing(
    receiver, settings, django_capture_on_commit_callbacks
):
    # Configured while allowed (or while the name pointed elsewhere); production now.
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    with django_capture_on_commit_callbacks(execute=False):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = WebhookEvent.objects.get(order=order)
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False

    webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert receiver.requests == []
    assert event.status == WebhookEventStatus.FAILED
    assert "not a public address" in event.last_error
    attempt = WebhookAttempt.objects.get(event=event)
    assert attempt.response_status is None


@pytest.mark.django_db
def test_a_name_that_points_at_loopback_after_it_was_configured_is_refused_when_connecting(
    receiver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """DNS rebinding: public when configured, loopback at delivery; the connection refuses it."""
    host_port = receiver.url.split("/")[2]
    port = int(host_port.split(":")[1])
    with django_capture_on_commit_callbacks(execute=False):
        order = order_new(
            storefront=StorefrontFactory(webhook_url=f"http://hooks.shop.test:{port}/hooks")
        )
    event = WebhookEvent.objects.get(order=order)
    lookups = []

    def resolver(host, port):  # the resolver is outside the process: the one stand-in here
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(outbound, "host_addresses", resolver)

    webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert receiver.requests == []
    assert event.status == WebhookEventStatus.FAILED
    assert "127.0.0.1" in event.last_error
    assert lookups == ["hooks.shop.test"]  # one lookup, and it is the address connected to
