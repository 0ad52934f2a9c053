"""Rate limits per storefront key and per staff user, shared through the cache (Redis).

Every throttle fails open: with the cache unreachable a request is let through
(and a warning logged) rather than refused or failed. The limits protect
capacity, not correctness, and an order a storefront could not place because
Redis restarted would be the worse loss.
"""

import logging

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from shared.counters import cache_count
from shared.network import client_address
from shared.outages import CACHE_ERRORS

from .authentication import request_storefront

logger = logging.getLogger(__name__)


class ClientAddressMixin:
    """Identify an unauthenticated client as the project does everywhere (client_address).

    DRF's own get_ident() takes X-Forwarded-For as the client wrote it unless
    NUM_PROXIES is set, so a client sending a new value on each request would
    never be limited; client_address trusts only TRUSTED_PROXY_COUNT proxies.
    """

    def get_ident(self, request: Request) -> str:
        return client_address(request) or "unknown"


class FailOpenThrottleMixin:
    """Let the request through when the cache that holds the counters cannot be reached.

    For DRF's own throttles (the carrier webhook's); ours count through
    shared.counters, which fails open by itself.
    """

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


class WindowCountThrottle(ClientAddressMixin, SimpleRateThrottle):
    """DRF's rate, counted per fixed window with one atomic increment.

    SimpleRateThrottle keeps each request's time in one cache entry that it reads
    and rewrites whole: at 600 requests a minute a 600-item list pickled twice per
    request, and two concurrent requests can each overwrite the other's count. A
    counter per window (shared.counters, with the other limits) is one small
    atomic round trip to Redis and fails open. The price: across the edge of two
    windows a client can send up to twice the rate.
    """

    def allow_request(self, request: Request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        count = cache_count(f"{self.key}:{window}", seconds=self.duration + 1, scope=self.scope)
        return count is None or count <= self.num_requests

    def wait(self) -> float:
        return max(self.window_ends - self.now, 0.0)


class StorefrontKeyThrottle(WindowCountThrottle):
    scope = "storefront"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class StaffUserThrottle(WindowCountThrottle):
    scope = "staff"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class UnauthenticatedThrottle(WindowCountThrottle):
    """Per client address, for requests with no credentials at all.

    Storefront requests carry no Django user, so DRF's plain AnonRateThrottle
    would count them too, against one shared per-address limit.
    """

    scope = "anon"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request_storefront(request) is not None:
            return None
        if request.user and request.user.is_authenticated:
            return None  # staff: StaffUserThrottle counts them
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CarrierThrottle(FailOpenThrottleMixin, ClientAddressMixin, ScopedRateThrottle):
    """The carrier webhook's limit (`throttle_scope = "carrier"` on the view)."""


class PlatformWebhookThrottle(FailOpenThrottleMixin, ClientAddressMixin, ScopedRateThrottle):
    """Shopify's and WooCommerce's webhooks' limit (`throttle_scope = "platform"`), per address."""


class AggregatorWebhookThrottle(FailOpenThrottleMixin, ClientAddressMixin, ScopedRateThrottle):
    """AfterShip's and EasyPost's webhooks' limit (`throttle_scope = "aggregator"`), per address."""
