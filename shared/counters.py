"""Counting hits in the shared cache (Redis in production) for rate limits and throttles.

One counter for every limit: the storefront API's throttles, the tracking page's
and the after-sales form's limits. It fails open: with the cache unreachable the
hit is not counted (None) and a warning logged; the limits protect capacity, and
refusing customers or storefronts while Redis restarts would cost more.
"""

import logging

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

from shared.outages import CACHE_ERRORS

logger = logging.getLogger(__name__)


def cache_count(key: str, *, seconds: int, scope: str) -> int | None:
    """Add one hit to `key`, which lives `seconds` from its first hit; return the hits so far.

    None when the cache cannot be reached (`scope` names the limit in the warning).
    """
    try:
        if isinstance(cache, RedisCache):
            # INCR and EXPIRE NX in one round trip; Django's add() and incr() cost three.
            redis_key = cache.make_and_validate_key(key)
            pipeline = cache._cache.get_client(redis_key, write=True).pipeline(transaction=False)
            pipeline.incr(redis_key)
            pipeline.expire(redis_key, seconds, nx=True)
            count, _ = pipeline.execute()
            return count
        if cache.add(key, 1, timeout=seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # the key expired between add() and incr(): a new window
            cache.add(key, 1, timeout=seconds)
            return 1
    except CACHE_ERRORS as error:
        logger.warning(
            "rate limit %s not applied, the cache is unreachable: %s: %s",
            scope,
            type(error).__name__,
            error,
        )
        return None
