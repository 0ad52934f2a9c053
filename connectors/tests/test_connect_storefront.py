"""`manage.py connect_storefront`: the secret kept encrypted, the URL to register printed."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db

from connectors.models import PlatformConnection
from connectors.secrets import secret_decrypt
from orders.services import storefront_create

pytestmark = pytest.mark.django_db

SECRET = "shpss_0123456789abcdef0123456789abcdef"


def connect(capsys, *arguments: str) -> str:
    call_command("connect_storefront", *arguments)
    return capsys.readouterr().out


def test_it_prints_the_url_to_register_and_never_the_secret(capsys, settings):
    settings.PUBLIC_BASE_URL = "https://orders.example.com/"
    storefront_create(name="Lan's Shop", code="lan-shop", currency="USD")

    out = connect(capsys, "lan-shop", "--platform", "shopify", "--secret", SECRET)

    assert out.strip().splitlines()[-1] == (
        "https://orders.example.com/api/v1/connectors/shopify/lan-shop/"
    )
    assert SECRET not in out


def test_the_secret_and_token_are_stored_encrypted_not_in_clear(capsys):
    storefront_create(name="Lan's Shop", code="lan-shop", currency="USD")

    connect(
        capsys,
        "lan-shop",
        "--platform",
        "woocommerce",
        "--secret",
        SECRET,
        "--api-url",
        "https://lan-shop.example/wp-json/wc/v3",
        "--api-token",
        "ck_abc:cs_def",
    )

    with db.cursor() as cursor:
        cursor.execute(
            "SELECT signing_secret_encrypted, api_token_encrypted, api_url "
            "FROM connectors_platformconnection"
        )
        (secret_column, token_column, api_url) = cursor.fetchone()
    assert SECRET not in secret_column and "cs_def" not in token_column
    assert secret_decrypt(secret_column) == SECRET
    assert secret_decrypt(token_column) == "ck_abc:cs_def"
    assert api_url == "https://lan-shop.example/wp-json/wc/v3"


def test_connecting_again_updates_the_one_connection_and_keeps_what_was_not_given(capsys):
    storefront_create(name="Lan's Shop", code="lan-shop", currency="USD")
    connect(
        capsys,
        "lan-shop",
        "--platform",
        "shopify",
        "--secret",
        "old-secret",
        "--api-url",
        "https://lan.myshopify.com/admin/api/2024-10",
        "--api-token",
        "shpat_1",
    )

    out = connect(capsys, "lan-shop", "--platform", "shopify", "--secret", SECRET)

    connection = PlatformConnection.objects.get()
    assert secret_decrypt(connection.signing_secret_encrypted) == SECRET
    assert connection.api_url == "https://lan.myshopify.com/admin/api/2024-10"
    assert secret_decrypt(connection.api_token_encrypted) == "shpat_1"
    assert "Updated" in out


def test_an_unknown_storefront_code_is_a_clear_error(capsys):
    with pytest.raises(CommandError, match="No storefront has the code 'nope'"):
        call_command("connect_storefront", "nope", "--platform", "shopify", "--secret", SECRET)
    assert not PlatformConnection.objects.exists()


def test_an_empty_secret_is_refused(capsys):
    storefront_create(name="Lan's Shop", code="lan-shop", currency="USD")
    with pytest.raises(CommandError, match="signing secret is required"):
        call_command("connect_storefront", "lan-shop", "--platform", "shopify", "--secret", " ")
