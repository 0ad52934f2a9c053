"""Connecting a storefront to the platform it sells on: its signing secret and API access.

The same service behind `manage.py connect_storefront` and the admin's form. The
secret and the token are kept encrypted (`connectors.secrets`) and never shown
again; what staff get back is the URL to register on the platform.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from orders.models import Storefront
from shared.errors import OrderValidationError

from ..models import Platform, PlatformConnection
from ..secrets import secret_encrypt

# The receiving endpoint's path (DESIGN.md "Orders from the shops' own platforms"):
# the contract fixes it, so it is written out rather than reversed from the api face.
WEBHOOK_PATH = "/api/v1/connectors/{platform}/{code}/"


def webhook_url(*, platform: str, storefront_code: str) -> str:
    """The URL to register on the platform: PUBLIC_BASE_URL and the receiving path."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return base + WEBHOOK_PATH.format(platform=platform, code=storefront_code)


def connection_webhook_url(connection: PlatformConnection) -> str:
    return webhook_url(platform=connection.platform, storefront_code=connection.storefront.code)


def connection_save(
    *,
    storefront_code: str,
    platform: str,
    secret: str | None,
    api_url: str | None = None,
    api_token: str | None = None,
    is_active: bool = True,
) -> tuple[PlatformConnection, bool]:
    """Create or update the storefront's connection; return it and whether it is new.

    `secret` is the platform's webhook signing secret: required for a new
    connection; empty or None keeps the stored one (the admin never shows it, so
    an untouched field means "unchanged"). `api_url` and `api_token` (where
    shipped orders are reported back) likewise keep their stored values when None
    (the token also when empty); an empty `api_url` clears it.
    """
    storefront = Storefront.objects.filter(code=(storefront_code or "").strip()).first()
    if storefront is None:
        raise OrderValidationError(
            f"No storefront has the code '{storefront_code}'.",
            details={"storefront": ["Unknown storefront code."]},
        )
    if platform not in Platform.values:
        raise OrderValidationError(
            f"Unknown platform '{platform}'.",
            details={"platform": [f"Must be one of: {', '.join(Platform.values)}."]},
        )
    secret = (secret or "").strip()
    if api_url:
        api_url = api_url.strip()
        try:
            URLValidator(schemes=["http", "https"])(api_url)
        except ValidationError:
            raise OrderValidationError(
                f"'{api_url}' is not an http(s) URL.", details={"api_url": ["Enter a valid URL."]}
            ) from None
    with transaction.atomic():
        connection = (
            PlatformConnection.objects.select_for_update().filter(storefront=storefront).first()
        )
        created = connection is None
        if created and not secret:
            raise OrderValidationError(
                "The platform's webhook signing secret is required.",
                details={"secret": ["This field is required."]},
            )
        if created:
            connection = PlatformConnection(storefront=storefront)
        connection.platform = platform
        if secret:
            connection.signing_secret_encrypted = secret_encrypt(secret)
        if api_url is not None:
            connection.api_url = api_url
        if api_token:
            connection.api_token_encrypted = secret_encrypt(api_token.strip())
        connection.is_active = is_active
        connection.save()
    return connection, created


def connection_shop_domain_note(connection: PlatformConnection, domain: str) -> None:
    """Keep Shopify's shop domain (X-Shopify-Shop-Domain) the first time it is seen."""
    domain = (domain or "").strip()[:255]
    if domain and not connection.shop_domain:
        PlatformConnection.objects.filter(pk=connection.pk, shop_domain="").update(
            shop_domain=domain
        )
        connection.shop_domain = domain
