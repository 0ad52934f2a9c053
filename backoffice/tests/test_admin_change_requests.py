"""Managers see customers' change requests in the admin, read-only, and set the storefront rules."""

import pytest
from django.urls import reverse

from orders.models import ChangeRequestKind
from orders.roles import MANAGER
from orders.services import change_request_submit
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role

pytestmark = pytest.mark.django_db


def test_managers_see_a_request_and_cannot_edit_or_add_one(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state("processing")
    asked = change_request_submit(
        order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={}, message="Wrong size."
    )

    listing = client.get(reverse("admin:orders_orderchangerequest_changelist"))
    page = client.get(reverse("admin:orders_orderchangerequest_change", args=[asked.pk]))

    assert listing.status_code == page.status_code == 200
    assert order.number in listing.content.decode()
    html = page.content.decode()
    assert "Wrong size." in html
    assert 'name="_save"' not in html
    assert client.get(reverse("admin:orders_orderchangerequest_add")).status_code == 403


def test_the_storefront_form_has_the_customers_request_rules(client):
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory(code="rules-shop")

    html = client.get(reverse("admin:orders_storefront_change", args=[storefront.pk])).content
    html = html.decode()

    assert 'name="customer_address_changes_auto"' in html
    assert 'name="customer_cancellations_auto"' in html
