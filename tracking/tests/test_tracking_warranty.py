"""Warranty claims from the tracking page: the form, the warranty window, the rate limit."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fulfillment.models import AfterSalesKind, AfterSalesRequest
from fulfillment.services.after_sales import after_sales_kinds_open
from notifications.models import Notification, NotificationKind
from orders.models import Order, OrderStatus
from orders.services import order_transition
from orders.tests.factories import order_in_state

from .test_tracking_after_sales import form_url, page_url, submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache_and_media(private_cache, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def completed_delivered_days_ago(days: int) -> Order:
    order = order_in_state(OrderStatus.COMPLETED)
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - timedelta(days=days))
    return Order.objects.get(pk=order.pk)


def test_a_delivered_order_offers_the_warranty_kind_with_the_others(client):
    order = order_in_state(OrderStatus.DELIVERED)

    html = client.get(page_url(order)).content.decode()

    for kind in ("return", "exchange", "complaint", "warranty"):
        assert f'value="{kind}"' in html
    assert "Claim under warranty" in html


def test_a_customer_files_a_warranty_claim_and_is_told_its_number(client):
    order = order_in_state(OrderStatus.DELIVERED)

    response = client.post(form_url(order), submission(order, kind="warranty"))

    assert response.status_code == 302
    claim = AfterSalesRequest.objects.get(order=order)
    assert (claim.kind, claim.source) == ("warranty", "customer")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.POST_DELIVERY
    opened = Notification.objects.get(order=order, kind=NotificationKind.AFTER_SALES_OPENED)
    assert (opened.context["request"], opened.context["kind"]) == (claim.pk, "warranty")


def test_a_warranty_claim_names_its_items(client):
    order = order_in_state(OrderStatus.DELIVERED)
    fields = submission(order, kind="warranty")
    fields = {name: (0 if name.startswith("line_") else value) for name, value in fields.items()}

    response = client.post(form_url(order), fields)

    assert response.status_code == 400
    assert "Choose which items" in response.content.decode()
    assert not AfterSalesRequest.objects.exists()


def test_a_completed_order_within_the_warranty_takes_only_a_warranty_claim(client, settings):
    settings.AFTER_SALES_WARRANTY_DAYS = 365
    order = completed_delivered_days_ago(200)

    html = client.get(page_url(order)).content.decode()
    assert 'value="warranty"' in html
    assert 'value="return"' not in html
    refused = client.post(form_url(order), submission(order, kind="return"))
    assert refused.status_code == 400  # not a choice on this order any more
    response = client.post(form_url(order), submission(order, kind="warranty"))

    assert response.status_code == 302
    claim = AfterSalesRequest.objects.get(order=order)
    assert claim.kind == AfterSalesKind.WARRANTY
    # The claim is handled on its own; the completed order stays completed.
    assert Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED
    assert Notification.objects.filter(
        order=order, kind=NotificationKind.AFTER_SALES_OPENED, context__request=claim.pk
    ).exists()


def test_after_the_warranty_nothing_can_be_opened(client, settings):
    settings.AFTER_SALES_WARRANTY_DAYS = 365
    order = completed_delivered_days_ago(366)

    assert after_sales_kinds_open(order) == []
    assert 'value="warranty"' not in client.get(page_url(order)).content.decode()
    response = client.post(form_url(order), submission(order, kind="warranty"))

    assert response.status_code == 409
    assert not AfterSalesRequest.objects.exists()


def test_the_warranty_window_follows_the_setting(settings):
    order = completed_delivered_days_ago(40)

    settings.AFTER_SALES_WARRANTY_DAYS = 30
    assert after_sales_kinds_open(order) == []
    settings.AFTER_SALES_WARRANTY_DAYS = 60
    assert after_sales_kinds_open(order) == ["warranty"]


def test_a_cancelled_order_takes_no_warranty_claim():
    order = order_in_state(OrderStatus.CANCELLED)
    assert after_sales_kinds_open(order) == []


def test_warranty_claims_share_the_forms_rate_limit(client, settings):
    settings.AFTER_SALES_FORM_LIMIT = 2
    orders = [order_in_state(OrderStatus.DELIVERED) for _ in range(3)]

    answers = [
        client.post(
            form_url(order), submission(order, kind="warranty", submission_key=f"{index:032d}")
        ).status_code
        for index, order in enumerate(orders)
    ]

    assert answers == [302, 302, 429]
    assert AfterSalesRequest.objects.count() == 2


def test_the_warranty_form_needs_a_csrf_token():
    order = order_in_state(OrderStatus.DELIVERED)
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(form_url(order), submission(order, kind="warranty"))

    assert response.status_code == 403
    assert not AfterSalesRequest.objects.exists()


def test_the_system_completing_an_order_keeps_its_warranty_open():
    order = order_in_state(OrderStatus.DELIVERED)
    order = order_transition(order=order, transition="complete", actor=None)
    assert after_sales_kinds_open(order) == ["warranty"]
