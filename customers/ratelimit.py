"""A fixed-window rate limit per client address, kept in the shared cache (Redis in production)."""

from django.core.cache import cache
from django.http import HttpRequest

# One answer for "who is this client" (also the login lockout's): behind reverse
# proxies set TRUSTED_PROXY_COUNT; gunicorn never rewrites REMOTE_ADDR itself.
from orders_project.security import client_address


def rate_limit_exceeded(
    *, scope: str, request: HttpRequest, limit: int, window_seconds: int
) -> bool:
    """Count one attempt for this client in `scope`; True once more than `limit` in the window."""
    key = f"ratelimit:{scope}:{client_address(request) or 'unknown'}"
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return False
    return attempts > limit
