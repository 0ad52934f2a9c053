"""Rotating a storefront's API key: a new key, the old one working until it is revoked."""

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from orders.models import StorefrontAPIKey
from orders.services import storefront_api_key_rotate, storefront_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(private_cache):
    """Throttle counters live in the cache: each test gets its own."""


def orders_status(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client.get("/api/v1/orders/").status_code


def test_a_new_key_works_next_to_the_old_one_until_the_old_one_is_revoked():
    shop, old_key = storefront_create(name="Lan's Shop")

    rotation = storefront_api_key_rotate(storefront=shop)

    assert rotation.key != old_key
    assert rotation.api_key.storefront == shop
    assert rotation.revoked_prefixes == []
    assert rotation.still_active_prefixes == [old_key.split(".")[0]]
    assert (orders_status(old_key), orders_status(rotation.key)) == (200, 200)

    # The manager revokes the old key in the admin once the shop uses the new one.
    old = StorefrontAPIKey.objects.get_from_key(old_key)
    old.revoked = True
    old.save()
    assert (orders_status(old_key), orders_status(rotation.key)) == (401, 200)


def test_revoke_old_revokes_every_other_key_of_that_storefront_only():
    shop, old_key = storefront_create(name="Lan's Shop")
    second = storefront_api_key_rotate(storefront=shop)
    other_shop, other_key = storefront_create(name="Rival Shop")

    rotation = storefront_api_key_rotate(storefront=shop, revoke_old=True)

    assert sorted(rotation.revoked_prefixes) == sorted(
        [old_key.split(".")[0], second.api_key.prefix]
    )
    assert rotation.still_active_prefixes == []
    assert orders_status(old_key) == 401
    assert orders_status(second.key) == 401
    assert orders_status(rotation.key) == 200
    assert orders_status(other_key) == 200
    assert StorefrontAPIKey.objects.filter(storefront=shop, revoked=False).get() == (
        rotation.api_key
    )
    assert not StorefrontAPIKey.objects.filter(storefront=other_shop, revoked=True).exists()


def test_the_command_prints_the_new_key_once_and_says_which_keys_still_work():
    shop, old_key = storefront_create(name="Lan's Shop")
    out = io.StringIO()

    call_command("rotate_api_key", shop.code, stdout=out)

    lines = out.getvalue().splitlines()
    new_key = next(line for line in lines if line.startswith("New API key: ")).split(": ")[1]
    assert out.getvalue().count(new_key) == 1
    assert orders_status(new_key) == 200
    assert orders_status(old_key) == 200
    assert any(
        line.startswith("Still working until you revoke them: " + old_key.split(".")[0])
        for line in lines
    )
    assert StorefrontAPIKey.objects.filter(storefront=shop).count() == 2


def test_the_command_with_revoke_old_stops_the_old_key_at_once():
    shop, old_key = storefront_create(name="Lan's Shop")
    out = io.StringIO()

    call_command("rotate_api_key", shop.code, "--revoke-old", stdout=out)

    assert f"Revoked now: {old_key.split('.')[0]}" in out.getvalue()
    assert orders_status(old_key) == 401


def test_the_command_refuses_an_unknown_storefront_and_issues_nothing():
    storefront_create(name="Lan's Shop")

    with pytest.raises(CommandError, match="No storefront with code 'nope'"):
        call_command("rotate_api_key", "nope", stdout=io.StringIO())
    assert StorefrontAPIKey.objects.count() == 1
