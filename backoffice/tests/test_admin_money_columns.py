"""The admin writes money with the one formatter: the order list and page, the ledger, rates."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.roles import MANAGER
from orders.tests.factories import CarrierFactory, StorefrontFactory, order_new, user_with_role
from reports.models import CarrierRate, StorefrontCostRates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_open_to_every_role")]


def test_order_list_and_page_show_amounts_the_readers_way(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")

    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    client.cookies["django_language"] = "vi"
    vietnamese = client.get(reverse("admin:orders_order_changelist")).content.decode()

    assert "₫355,001" in listing
    assert "355001.00" not in listing
    assert "₫355,001" in page and "₫30,000" in page and "₫85,001" in page
    assert "355.001\xa0₫" in vietnamese


def test_cost_rates_show_in_the_storefronts_currency(client):
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory(code="usd-rates", currency="USD")
    StorefrontCostRates.objects.create(
        storefront=storefront,
        packaging_per_package=Decimal("1.25"),
        handling_per_order=Decimal("0.75"),
    )
    CarrierRate.objects.create(
        storefront=storefront,
        carrier=CarrierFactory(),
        per_shipment=Decimal("3.10"),
        per_kg=Decimal("0.45"),
    )

    rates = client.get(reverse("admin:reports_storefrontcostrates_changelist")).content.decode()
    carriers = client.get(reverse("admin:reports_carrierrate_changelist")).content.decode()

    assert "$1.25" in rates and "$0.75" in rates
    assert "$3.10" in carriers and "$0.45" in carriers


def test_the_admin_refuses_a_vnd_rate_with_cents_and_keeps_a_whole_one(client):
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory(code="dong-rates", currency="VND")
    carrier = CarrierFactory()
    add = reverse("admin:reports_carrierrate_add")
    fields = {"storefront": storefront.pk, "carrier": carrier.pk, "per_shipment": "20000"}

    refused = client.post(add, {**fields, "per_kg": "3500.50"})
    kept = client.post(add, {**fields, "per_kg": "3500"})

    assert refused.status_code == 200  # the admin's form page, with the error
    assert "VND amounts have no decimals." in refused.content.decode()
    assert kept.status_code == 302
    assert CarrierRate.objects.get().per_kg == Decimal("3500.00")
