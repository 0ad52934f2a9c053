"""An after-sales request's admin page: a refund resolution is stated and asked first."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fulfillment.models import AfterSalesRequest
from fulfillment.services.after_sales import after_sales_request_advance, after_sales_request_open
from orders.models import Order, OrderEvent, OrderStatus
from orders.roles import MANAGER
from orders.tests.factories import order_in_state, user_with_role
from reports.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def celery_in_process(tasks_in_process):
    """Every test here runs its tasks in process."""


def a_received_return() -> AfterSalesRequest:
    order = order_in_state(OrderStatus.DELIVERED, payment_method="card", payment_status="paid")
    request = after_sales_request_open(
        order=order,
        kind="return",
        reason="Cracked",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="staff",
    )
    after_sales_request_advance(request=request, transition="approve", actor=None)
    after_sales_request_advance(request=request, transition="receive_item", actor=None)
    return AfterSalesRequest.objects.get(pk=request.pk)


def act(client, request: AfterSalesRequest, **data):
    url = reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk])
    return client.post(url, {"action": "resolve", "resolution": "refund", **data})


def money(request: AfterSalesRequest) -> tuple:
    """Everything a refund would move: the order's payment, its history and its ledger."""
    order = Order.objects.get(pk=request.order_id)
    stored = AfterSalesRequest.objects.get(pk=request.pk)
    return (
        order.payment_status,
        order.amount_refunded,
        order.version,
        OrderEvent.objects.filter(order=order).count(),
        LedgerEntry.objects.filter(order=order).count(),
        stored.status,
        stored.refund_amount,
    )


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_first_post_moves_nothing_and_states_the_refund(
    client, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(MANAGER))
    request = a_received_return()
    before = money(request)

    with django_capture_on_commit_callbacks(execute=True):
        page = act(client, request, amount="60")

    html = page.content.decode()
    assert page.status_code == 200
    assert money(request) == before
    assert (
        f"Refund ₫60 to the card of order {request.order.number}. Of the ₫" in html
        and f"Return request #{request.pk} is then resolved." in html
    )
    assert 'value="Yes, refund ₫60" data-confirm-button' in html
    assert (hidden(html, "confirmed"), hidden(html, "amount")) == ("1", "60.00")
    assert hidden(html, "action") == "resolve" and hidden(html, "resolution") == "refund"
    assert 'name="csrfmiddlewaretoken"' in html


def test_a_blank_amount_is_stated_as_the_items_value_and_posted_back_fixed(client):
    client.force_login(user_with_role(MANAGER))
    request = a_received_return()
    before = money(request)

    html = act(client, request, amount="").content.decode()

    stated = hidden(html, "amount")
    assert Decimal(stated) > 0
    assert money(request) == before
    assert f"Refund ₫{Decimal(stated):,.0f} to the card of order" in html


def test_only_the_confirmed_post_refunds(client, django_capture_on_commit_callbacks):
    client.force_login(user_with_role(MANAGER))
    request = a_received_return()
    html = act(client, request, amount="60").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk]), fields
        )

    assert done.status_code == 302
    after = money(request)
    assert after[:2] == ("partially_refunded", Decimal("60.00"))
    assert after[5:] == ("resolved", Decimal("60.00"))


def test_a_confirmation_of_a_request_changed_since_is_refused(client):
    client.force_login(user_with_role(MANAGER))
    request = a_received_return()
    html = act(client, request, amount="60").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))
    AfterSalesRequest.objects.filter(pk=request.pk).update(
        updated_at=AfterSalesRequest.objects.get(pk=request.pk).updated_at.replace(year=2030)
    )
    before = money(request)

    response = client.post(
        reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk]), fields, follow=True
    )

    assert money(request) == before
    (message,) = [str(m) for m in response.context["messages"]]
    assert "changed" in message or "reload" in message.lower(), message


def test_a_bad_amount_is_a_message_and_no_confirmation(client):
    client.force_login(user_with_role(MANAGER))
    request = a_received_return()
    before = money(request)

    response = act(client, request, amount="1.5", confirmed="1")

    assert response.status_code == 302
    assert money(request) == before


def test_the_confirmation_is_csrf_protected_like_the_admin(client):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(MANAGER))
    request = a_received_return()
    before = money(request)

    response = act(strict, request, amount="60", confirmed="1")

    assert response.status_code == 403
    assert money(request) == before
