"""One counter for every rate limit: counts, expires, and fails open when Redis is away."""

import pytest

from shared.counters import cache_count
from shared.tests.scratch_redis import scratch_redis_url


def _redis_cache(settings, location: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_hits_are_counted_in_a_local_cache(private_cache):
    assert [cache_count("k", seconds=60, scope="test") for _ in range(3)] == [1, 2, 3]
    assert cache_count("other", seconds=60, scope="test") == 1


def test_hits_are_counted_in_redis_with_the_key_expiring_from_the_first_hit(settings):
    import redis

    url = scratch_redis_url()
    server = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        server.flushdb()
    except redis.ConnectionError:
        pytest.skip(f"Redis does not answer at {scratch_redis_url()}")
    _redis_cache(settings, url)

    counts = [cache_count("k", seconds=60, scope="test") for _ in range(3)]

    (key,) = server.keys("*k")
    assert counts == [1, 2, 3]
    assert 0 < server.ttl(key) <= 60
    server.flushdb()


def test_with_redis_unreachable_nothing_is_counted_and_a_warning_says_so(settings, caplog):
    _redis_cache(settings, "redis://127.0.0.1:1/0")

    assert cache_count("k", seconds=60, scope="tracking_lookup") is None
    assert "rate limit tracking_lookup not applied" in caplog.text
