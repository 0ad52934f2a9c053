"""A customer's e-mail preferences, reached from the signed link in every e-mail.

The token is the customer's id signed with the project's SECRET_KEY, salted
for this purpose only: a tracking token cannot open it, it cannot be forged,
and it does not expire, so the link in an old e-mail still works.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import Customer

_SALT = "customers.preferences"


def preferences_token_make(customer: Customer) -> str:
    """Return the signed token for `customer`'s preferences page."""
    return signing.dumps(customer.pk, salt=_SALT)


def preferences_token_read(token: str) -> int | None:
    """Return the customer id in `token`, or None when it is forged or damaged."""
    try:
        customer_id = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return customer_id if isinstance(customer_id, int) else None


def preferences_url(customer: Customer) -> str:
    """Return the absolute preferences-page link for e-mails (and their List-Unsubscribe)."""
    path = reverse("tracking:notification_preferences", args=[preferences_token_make(customer)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def customer_notifications_opt_out(*, customer: Customer) -> Customer:
    """Stop non-essential e-mails to `customer`; essential ones (money) still go."""
    # Keep the first opt-out time: it is when the customer asked.
    if customer.marketing_opt_out_at is None:
        customer.marketing_opt_out_at = timezone.now()
        customer.save(update_fields=["marketing_opt_out_at", "updated_at"])
    return customer


customer_notifications_opt_out.alters_data = True


def customer_notifications_opt_in(*, customer: Customer) -> Customer:
    """Send non-essential e-mails to `customer` again."""
    if customer.marketing_opt_out_at is not None:
        customer.marketing_opt_out_at = None
        customer.save(update_fields=["marketing_opt_out_at", "updated_at"])
    return customer


customer_notifications_opt_in.alters_data = True
