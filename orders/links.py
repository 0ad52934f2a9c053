"""Signed links to the customer tracking page.

A token is the order's number signed with the project's SECRET_KEY (salted for
this purpose): it cannot be forged or guessed, and carries no personal data.
A link keeps working while the order is open and for
`TRACKING_LINK_DAYS_AFTER_CLOSE` days after it closed. After that only a link
made within the last hour works: the one the /track/ form hands to a customer
who has just given the order's e-mail address or postal code.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from orders.models import Order

# The salt of every link already sent: changing it would break them all.
_SALT = "customers.tracking"
FRESH_LINK_SECONDS = 3600


def tracking_token_make(order: Order) -> str:
    """Return the signed token for `order`'s tracking page."""
    return signing.dumps(order.number, salt=_SALT, compress=True)


def tracking_token_read(token: str, *, max_age_seconds: int | None = None) -> str | None:
    """Return the order number in `token`, or None when it is forged, damaged or too old."""
    try:
        return signing.loads(token, salt=_SALT, max_age=max_age_seconds)
    except signing.BadSignature:
        return None


def tracking_token_expired(token: str, order: Order, *, now: datetime | None = None) -> bool:
    """True when `order` closed long ago and `token` is not a freshly made one."""
    if order.closed_at is None:
        return False
    now = now or timezone.now()
    if now - order.closed_at <= timedelta(days=settings.TRACKING_LINK_DAYS_AFTER_CLOSE):
        return False
    return tracking_token_read(token, max_age_seconds=FRESH_LINK_SECONDS) is None


def tracking_url(order: Order) -> str:
    """Return the absolute tracking-page link for e-mails and the storefront API."""
    path = reverse("tracking:track_order", args=[tracking_token_make(order)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
