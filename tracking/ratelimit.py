"""A fixed-window rate limit per client address, kept in the shared cache (Redis in production).

It fails open: with the cache unreachable the attempt is allowed and a warning
logged. The forms it guards (tracking lookup, after-sales request) stay usable
while Redis restarts; guessing an order number and its e-mail or postal code
during a few unthrottled seconds is no practical risk, a tracking page that
turns every customer away is a certain one.
"""

from django.http import HttpRequest

from shared.counters import cache_count

# One answer for "who is this client" (also the login lockout's): behind reverse
# proxies set TRUSTED_PROXY_COUNT; gunicorn never rewrites REMOTE_ADDR itself.
from shared.network import client_address


def rate_limit_exceeded(
    *, scope: str, request: HttpRequest, limit: int, window_seconds: int
) -> bool:
    """Count one attempt for this client in `scope`; True once more than `limit` in the window."""
    key = f"ratelimit:{scope}:{client_address(request) or 'unknown'}"
    attempts = cache_count(key, seconds=window_seconds, scope=scope)
    return attempts is not None and attempts > limit
