"""Building a customer e-mail from its notification row."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification
from .tracking import tracking_url


def notification_message_build(notification: Notification) -> EmailMultiAlternatives:
    """Return the e-mail for `notification` in the customer's language (text and HTML)."""
    order = notification.order
    storefront = order.storefront
    with translation.override(notification.customer.language or storefront.default_language):
        context = {
            "notification": notification,
            "kind": notification.kind,
            "order": order,
            "storefront": storefront,
            "customer": notification.customer,
            "context": notification.context,
            "tracking_url": tracking_url(order),
        }
        subject = render_to_string("customers/emails/subject.txt", context).strip()
        text = render_to_string("customers/emails/notification.txt", context)
        html = render_to_string("customers/emails/notification.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.customer.email],
        reply_to=[storefront.support_email] if storefront.support_email else None,
        headers={"X-Notification-Id": str(notification.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message
