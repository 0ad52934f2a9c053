"""A manager sets the sender printed on a storefront's shipping labels in the admin."""

import pytest
from django.test import Client

from orders.roles import MANAGER
from orders.tests.factories import StorefrontFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_the_storefront_admin_shows_the_labels_sender_fields():
    storefront = StorefrontFactory(name="Hoa Sen", code="hoa-sen")
    client = Client()
    client.force_login(user_with_role(MANAGER))
    page = client.get(f"/admin/orders/storefront/{storefront.pk}/change/")

    form = page.context["adminform"].form
    assert {"sender_name", "sender_address", "sender_phone"} <= set(form.fields)
    assert 'name="sender_address"' in page.content.decode()
