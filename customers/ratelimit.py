"""A fixed-window rate limit per client address, kept in the shared cache (Redis in production)."""

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it.

    Behind a proxy, run gunicorn with --forwarded-allow-ips so REMOTE_ADDR is the client's.
    """
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_exceeded(
    *, scope: str, request: HttpRequest, limit: int, window_seconds: int
) -> bool:
    """Count one attempt for this client in `scope`; True once more than `limit` in the window."""
    key = f"ratelimit:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return False
    return attempts > limit
