"""Storefront authentication: `Authorization: Api-Key <key>`, keys stored hashed."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from orders.models import Storefront, StorefrontAPIKey

KEYWORD = "Api-Key"


class StorefrontAPIKeyAuthentication(authentication.BaseAuthentication):
    """Make `request.auth` the storefront's key, so views and throttles can scope by it."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, StorefrontAPIKey] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        key = key.strip()
        if not key:
            raise exceptions.AuthenticationFailed("No API key after 'Api-Key'.")
        try:
            api_key = StorefrontAPIKey.objects.get_from_key(key)
        except StorefrontAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid API key.") from None
        if api_key.revoked or api_key.has_expired:
            raise exceptions.AuthenticationFailed("This API key is revoked or expired.")
        if not api_key.storefront.is_active:
            raise exceptions.AuthenticationFailed("This storefront is deactivated.")
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when credentials are missing.
        return KEYWORD


def request_storefront(request: Request) -> Storefront | None:
    """Return the storefront the request authenticated as, if any."""
    if isinstance(request.auth, StorefrontAPIKey):
        return request.auth.storefront
    return None
