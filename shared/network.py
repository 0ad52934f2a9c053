"""Where a request comes from, behind our own proxies (README "Security")."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address, trusting X-Forwarded-For only as far as our own proxies.

    With `TRUSTED_PROXY_COUNT` = N > 0, each of our N proxies appended the address
    it saw, so the client is the N-th entry from the right; anything further left
    was written by the client and is ignored. None when no valid address is known
    (a request built in code, a Unix socket).
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies and _is_ip_address(forwarded[-proxies]):
            return forwarded[-proxies]
    address = request.META.get("REMOTE_ADDR", "")
    return address if _is_ip_address(address) else None


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
