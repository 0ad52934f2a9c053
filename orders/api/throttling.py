"""Rate limits per storefront key and per staff user, shared through the cache (Redis).

Every throttle fails open: with the cache unreachable a request is let through
(and a warning logged) rather than refused or failed. The limits protect
capacity, not correctness, and an order a storefront could not place because
Redis restarted would be the worse loss.
"""

import logging

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle

from orders_project.outages import CACHE_ERRORS

from .authentication import request_storefront

logger = logging.getLogger(__name__)


class FailOpenThrottleMixin:
    """Let the request through when the cache that holds the counters cannot be reached."""

    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            logger.warning(
                "rate limit %s not applied, the cache is unreachable: %s: %s",
                getattr(self, "scope", type(self).__name__),
                type(error).__name__,
                error,
            )
            return True


class StorefrontKeyThrottle(FailOpenThrottleMixin, SimpleRateThrottle):
    scope = "storefront"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class StaffUserThrottle(FailOpenThrottleMixin, SimpleRateThrottle):
    scope = "staff"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class UnauthenticatedThrottle(FailOpenThrottleMixin, AnonRateThrottle):
    """Per client address, for requests with no credentials at all.

    Storefront requests carry no Django user, so DRF's plain AnonRateThrottle
    would count them too, against one shared per-address limit.
    """

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is not None:
            return None
        return super().get_cache_key(request, view)


class CarrierThrottle(FailOpenThrottleMixin, ScopedRateThrottle):
    """The carrier webhook's limit (`throttle_scope = "carrier"` on the view)."""
