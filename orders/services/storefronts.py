"""Storefronts and their API keys: creating one, rotating its key."""

import logging
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from shared.errors import OrderConflict, OrderValidationError
from shared.money import ISO_4217_CODES
from shared.outbound import url_address_problem

from ..models import Storefront, StorefrontAPIKey

logger = logging.getLogger(__name__)


def storefront_create(
    *,
    name: str,
    code: str = "",
    currency: str = "VND",
    webhook_url: str = "",
    default_language: str = "en",
) -> tuple[Storefront, str]:
    """Create a storefront and its first API key; return both (the key in clear, once)."""
    name = name.strip()
    code = slugify(code or name)[:40]
    currency = currency.upper()
    if not name or not code:
        raise OrderValidationError("A storefront needs a name.")
    if currency not in ISO_4217_CODES:
        raise OrderValidationError(f"'{currency}' is not an ISO 4217 currency code.")
    storefront_webhook_url_check(webhook_url)
    if Storefront.objects.filter(code=code).exists():
        raise OrderConflict(f"A storefront with code '{code}' already exists.")
    with transaction.atomic():
        storefront = Storefront.objects.create(
            name=name,
            code=code,
            currency=currency,
            webhook_url=webhook_url,
            default_language=default_language,
        )
        _api_key, key = StorefrontAPIKey.objects.create_key(
            name=f"{code} key", storefront=storefront
        )
    return storefront, key


def storefront_webhook_url_check(webhook_url: str) -> None:
    """Refuse a webhook URL that is not http(s), or whose host is not a public address.

    Private, loopback and link-local receivers are allowed only with
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES (development); delivery checks again.
    """
    if not webhook_url:
        return
    try:
        URLValidator(schemes=["http", "https"])(webhook_url)
    except DjangoValidationError:
        problem = f"'{webhook_url}' is not an http(s) URL."
    else:
        problem = url_address_problem(webhook_url)
    if problem:
        raise OrderValidationError(problem, details={"webhook_url": [problem]})


@dataclass(frozen=True)
class APIKeyRotation:
    """What `storefront_api_key_rotate` did: the new key (in clear, once) and the old ones."""

    api_key: StorefrontAPIKey
    key: str
    revoked_prefixes: list[str]
    still_active_prefixes: list[str]


def storefront_api_key_rotate(
    *, storefront: Storefront, revoke_old: bool = False, actor: AbstractBaseUser | None = None
) -> APIKeyRotation:
    """Issue a new API key for `storefront`; revoke its other keys now if `revoke_old`.

    Without `revoke_old` the old keys keep working, so the storefront can switch to the
    new key without downtime; revoke the old one in the admin afterwards.
    """
    with transaction.atomic():
        # One rotation per storefront at a time: two at once could each revoke the other's key.
        Storefront.objects.select_for_update().get(pk=storefront.pk)
        old_keys = StorefrontAPIKey.objects.filter(storefront=storefront, revoked=False)
        old_prefixes = sorted(old_keys.values_list("prefix", flat=True))
        if revoke_old:
            old_keys.update(revoked=True)
        api_key, key = StorefrontAPIKey.objects.create_key(
            name=f"rotated {timezone.now():%Y-%m-%d %H:%M}", storefront=storefront
        )
    logger.info(
        "API key %s issued for storefront %s by %s; %s",
        api_key.prefix,
        storefront.code,
        actor or "the system",
        f"revoked {', '.join(old_prefixes) or 'none'}" if revoke_old else "old keys kept",
    )
    return APIKeyRotation(
        api_key=api_key,
        key=key,
        revoked_prefixes=old_prefixes if revoke_old else [],
        still_active_prefixes=[] if revoke_old else old_prefixes,
    )
