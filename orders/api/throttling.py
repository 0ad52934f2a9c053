"""Rate limits per storefront key and per staff user, shared through the cache (Redis)."""

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from .authentication import request_storefront


class StorefrontKeyThrottle(SimpleRateThrottle):
    scope = "storefront"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class StaffUserThrottle(SimpleRateThrottle):
    scope = "staff"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class UnauthenticatedThrottle(AnonRateThrottle):
    """Per client address, for requests with no credentials at all.

    Storefront requests carry no Django user, so DRF's plain AnonRateThrottle
    would count them too, against one shared per-address limit.
    """

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is not None:
            return None
        return super().get_cache_key(request, view)
