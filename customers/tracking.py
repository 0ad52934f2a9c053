"""Signed links to the customer tracking page.

A token is the order's number signed with the project's SECRET_KEY (salted for
this purpose): it cannot be forged or guessed, and carries no personal data.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import Order

_SALT = "customers.tracking"


def tracking_token_make(order: Order) -> str:
    """Return the signed token for `order`'s tracking page."""
    return signing.dumps(order.number, salt=_SALT, compress=True)


def tracking_token_read(token: str, *, max_age_seconds: int | None = None) -> str | None:
    """Return the order number in `token`, or None when it is forged, damaged or too old."""
    try:
        return signing.loads(token, salt=_SALT, max_age=max_age_seconds)
    except signing.BadSignature:
        return None


def tracking_url(order: Order) -> str:
    """Return the absolute tracking-page link for e-mails and the storefront API."""
    path = reverse("customers:track_order", args=[tracking_token_make(order)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
