"""The demo customers: a repeatable pool of buyers, dated from their first order."""

import random
from datetime import UTC, datetime

import pytest

from customers.demo import VN_CUSTOMER_COUNT, address_backdate, customer_pool, customers_backdate
from customers.models import Address, Customer
from orders.tests.factories import StorefrontFactory

SEED = 2026


def _rng() -> random.Random:
    return random.Random(SEED)  # noqa: S311 - repeatable demo data, not a secret


def test_the_pool_is_the_same_for_the_same_seed_and_leaves_the_stream_where_it_was():
    first_rng, second_rng = _rng(), _rng()

    assert customer_pool(first_rng) == customer_pool(second_rng)
    assert first_rng.random() == second_rng.random()


def test_the_pool_has_seventy_vietnamese_buyers_and_ten_abroad():
    domestic, foreign = customer_pool(_rng())

    assert len(domestic) == VN_CUSTOMER_COUNT == 70
    assert len(foreign) == 10
    assert {buyer.address["country"] for buyer in domestic} == {"VN"}
    assert {buyer.address["country"] for buyer in foreign} == {"SG", "US", "DE", "JP", "AU"}
    emails = [buyer.customer["email"] for buyer in domestic + foreign]
    assert len(set(emails)) == 80
    assert all(email.isascii() for email in emails)
    assert {buyer.customer["language"] for buyer in domestic} == {"vi", "en"}
    assert {buyer.customer["language"] for buyer in foreign} == {"en"}
    for buyer in domestic + foreign:
        assert buyer.address["name"] == buyer.customer["name"]
        assert buyer.address["phone"] == buyer.customer["phone"]


@pytest.mark.django_db
def test_backdating_moves_only_the_named_customers_and_address():
    storefront = StorefrontFactory()
    early, untouched = (
        Customer.objects.create(storefront=storefront, email=f"{name}@example.com", name=name)
        for name in ("early", "untouched")
    )
    address = Address.objects.create(
        customer=early, name="early", line1="1 Phố Huế", city="Hà Nội", country="VN"
    )
    placed_at = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)

    customers_backdate({early.pk: placed_at})
    address_backdate(address_id=address.pk, created_at=placed_at)

    early.refresh_from_db()
    address.refresh_from_db()
    assert (early.created_at, early.updated_at, address.created_at) == (placed_at,) * 3
    assert Customer.objects.get(pk=untouched.pk).created_at > placed_at
