"""The e-mail preferences page: opt out of non-essential e-mails, and back in."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from customers.models import Customer
from customers.preferences import (
    customer_notifications_opt_in,
    customer_notifications_opt_out,
    preferences_token_make,
    preferences_token_read,
    preferences_url,
)
from notifications.models import NotificationKind, NotificationStatus
from notifications.services import notification_record
from orders.links import tracking_token_make
from orders.tests.factories import order_new

pytestmark = pytest.mark.django_db


def page_path(customer: Customer) -> str:
    return preferences_url(customer).removeprefix("http://127.0.0.1:8000")


def test_the_page_says_non_essential_emails_are_on_and_essential_ones_always_go(client):
    customer = order_new().customer

    page = client.get(page_path(customer))

    html = page.content.decode()
    assert page.status_code == 200
    assert "These e-mails are on." in html
    assert '<input type="radio" name="updates" id="updates-on" value="on" checked>' in html
    assert '<label for="updates-off">Off</label>' in html
    assert "We always e-mail you when an order is cancelled or a refund is issued" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_opting_out_skips_updates_but_still_sends_the_cancellation(client):
    order = order_new()
    path = page_path(order.customer)

    response = client.post(path, {"updates": "off"})

    assert response.status_code == 302
    assert response["Location"] == f"{path}?saved=1"
    customer = Customer.objects.get(pk=order.customer.pk)
    assert customer.marketing_opt_out_at is not None
    page = client.get(response["Location"]).content.decode()
    assert "Your choice has been saved." in page
    assert "These e-mails are off." in page
    order.customer = customer
    with transaction.atomic():
        update = notification_record(order=order, kind=NotificationKind.ORDER_CONFIRMED)
        cancellation = notification_record(order=order, kind=NotificationKind.CANCELLED)
    assert update.status == NotificationStatus.SKIPPED
    assert cancellation.status == NotificationStatus.PENDING


def test_opting_back_in_sends_updates_again(client):
    order = order_new()
    customer_notifications_opt_out(customer=order.customer)

    response = client.post(page_path(order.customer), {"updates": "on"})

    assert response.status_code == 302
    customer = Customer.objects.get(pk=order.customer.pk)
    assert customer.marketing_opt_out_at is None
    order.customer = customer
    with transaction.atomic():
        update = notification_record(order=order, kind=NotificationKind.ORDER_CONFIRMED)
    assert update.status == NotificationStatus.PENDING


def test_a_post_without_a_choice_changes_nothing(client):
    customer = order_new().customer

    response = client.post(page_path(customer), {})

    assert response.status_code == 400
    assert "Please choose on or off." in response.content.decode()
    assert Customer.objects.get(pk=customer.pk).marketing_opt_out_at is None


def test_a_forged_or_foreign_token_is_a_plain_404(client):
    order = order_new()
    token = preferences_token_make(order.customer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for bad in (tampered, tracking_token_make(order), "1"):
        url = reverse("tracking:notification_preferences", args=[bad])
        assert client.get(url).status_code == 404
        assert client.post(url, {"updates": "off"}).status_code == 404
    assert preferences_token_read(tampered) is None
    assert preferences_token_read(token) == order.customer.pk
    assert Customer.objects.get(pk=order.customer.pk).marketing_opt_out_at is None


def test_a_post_without_the_csrf_token_is_refused():
    customer = order_new().customer

    response = Client(enforce_csrf_checks=True).post(page_path(customer), {"updates": "off"})

    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).marketing_opt_out_at is None


def test_a_vietnamese_customer_gets_the_page_in_vietnamese(client):
    customer = order_new().customer
    customer.language = "vi"
    customer.save()

    html = client.get(page_path(customer)).content.decode()

    assert '<html lang="vi">' in html


def test_opting_out_twice_keeps_the_first_time_and_opting_in_clears_it():
    customer = order_new().customer

    customer_notifications_opt_out(customer=customer)
    first = customer.marketing_opt_out_at
    customer_notifications_opt_out(customer=Customer.objects.get(pk=customer.pk))

    assert Customer.objects.get(pk=customer.pk).marketing_opt_out_at == first
    customer_notifications_opt_in(customer=customer)
    assert Customer.objects.get(pk=customer.pk).marketing_opt_out_at is None
