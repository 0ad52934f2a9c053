"""Building a customer e-mail from its notification row.

Templates are looked up in this order, so a manager overrides a message by
dropping a file in the project's `templates/` folder (searched before the
defaults), for one storefront or for all:

    customers/emails/<storefront code>/<kind>.<ext>
    customers/emails/<storefront code>/default.<ext>
    customers/emails/<kind>.<ext>
    customers/emails/default.<ext>

with <ext> one of `subject.txt`, `txt` and `html`. (The folder keeps the
customers app's name: managers' overrides live under it.)
"""

import re
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import select_template
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from customers.preferences import preferences_url
from fulfillment.models import AfterSalesKind, AfterSalesResolution
from orders.links import tracking_url
from orders.models import CUSTOMER_STATUS_NAMES, HoldReason, PaymentStatus
from shared.money import format_money

from .models import ESSENTIAL_NOTIFICATION_KINDS, Notification, NotificationKind
from .order_edits import order_edit_money_sentence, order_edit_rows
from .services import notification_shipments

_DEFAULT_BRAND_COLOR = "#1f6feb"
_BRAND_COLOR = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")


def notification_template_names(*, storefront_code: str, kind: str, ext: str) -> list[str]:
    """Return the template names tried for one part of an e-mail, most specific first."""
    return [
        f"customers/emails/{storefront_code}/{kind}.{ext}",
        f"customers/emails/{storefront_code}/default.{ext}",
        f"customers/emails/{kind}.{ext}",
        f"customers/emails/default.{ext}",
    ]


def _shipments(order, notification: Notification) -> list[dict[str, str]]:
    """The parcels as they were when the message was written (read now for older rows)."""
    if "shipments" in notification.context:
        return notification.context["shipments"]
    return notification_shipments(order, kind=notification.kind, context=notification.context)


def _status_display(order, notification: Notification) -> str:
    """The status the message reports, as customers name it (the order's own for older rows)."""
    status = notification.context.get("status", order.status)
    return str(CUSTOMER_STATUS_NAMES.get(status, order.customer_status_display))


def _hold_reason_label(context: dict) -> str:
    # Only the label of a known reason reaches the customer, never free text or notes.
    reason = context.get("hold_reason", "")
    if reason not in HoldReason.values:
        reason = HoldReason.OTHER
    return str(HoldReason(reason).label)


def _money_back(order, notification: Notification) -> str:
    """What happens to the customer's money on a cancelled order (as it was then)."""
    payment_status = notification.context.get("payment_status", order.payment_status)
    if payment_status in (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED):
        return "refunded"
    if payment_status == PaymentStatus.VOIDED:
        return "released"
    if payment_status == PaymentStatus.UNPAID:
        return "not_charged"
    return "contact"


def _choice_label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else ""


def _edit_context(notification: Notification, currency: str) -> dict:
    """What the "your order was changed" e-mail lists; nothing for the other kinds."""
    if notification.kind != NotificationKind.ORDER_EDITED:
        return {}
    context = notification.context
    return {
        "edit_kind": context.get("edit_kind", "edit"),
        "edit_rows": order_edit_rows(context, currency),
        "edit_money": order_edit_money_sentence(context, currency),
        "total_before": format_money(context.get("total_before", ""), currency),
        "total_after": format_money(context.get("total_after", ""), currency),
    }


def _message_context(notification: Notification) -> dict:
    """The template context of `notification`'s e-mail; call inside the customer's language."""
    order = notification.order
    storefront = order.storefront
    customer = notification.customer
    essential = notification.kind in ESSENTIAL_NOTIFICATION_KINDS
    return {
        **_edit_context(notification, order.currency),
        "notification": notification,
        "kind": notification.kind,
        "kind_label": notification.get_kind_display(),
        "essential": essential,
        "order": order,
        "order_status": _status_display(order, notification),
        "storefront": storefront,
        "brand_color": (
            storefront.brand_color
            if _BRAND_COLOR.fullmatch(storefront.brand_color or "")
            else _DEFAULT_BRAND_COLOR
        ),
        "customer": customer,
        "context": notification.context,
        "language": translation.get_language(),
        "tracking_url": tracking_url(order),
        "opt_out_url": None if essential else preferences_url(customer),
        # Read only by the templates that show it, so a subject alone costs no query.
        "shipments": SimpleLazyObject(partial(_shipments, order, notification)),
        "hold_reason": _hold_reason_label(notification.context),
        # The one money formatter, in the customer's language (this runs inside it).
        "amount": format_money(notification.context.get("amount", ""), order.currency),
        "money_back": _money_back(order, notification),
        "request_number": notification.context.get("request", ""),
        "request_kind": _choice_label(AfterSalesKind, notification.context.get("kind")),
        "resolution": _choice_label(AfterSalesResolution, notification.context.get("resolution")),
    }


def _language(notification: Notification) -> str:
    return notification.customer.language or notification.order.storefront.default_language


def notification_subject(notification: Notification) -> str:
    """Return the subject line `notification`'s e-mail has (or had), in the customer's language."""
    names = notification_template_names(
        storefront_code=notification.order.storefront.code,
        kind=notification.kind,
        ext="subject.txt",
    )
    with translation.override(_language(notification)):
        subject = select_template(names).render(_message_context(notification))
    return " ".join(subject.split())


def notification_message_build(notification: Notification) -> EmailMultiAlternatives:
    """Return the e-mail for `notification` in the customer's language (text and HTML)."""
    storefront = notification.order.storefront
    names = {
        ext: notification_template_names(
            storefront_code=storefront.code, kind=notification.kind, ext=ext
        )
        for ext in ("txt", "html")
    }
    with translation.override(_language(notification)):
        context = _message_context(notification)
        text = select_template(names["txt"]).render(context)
        html = select_template(names["html"]).render(context)
    subject = notification_subject(notification)
    opt_out_url = context["opt_out_url"]
    headers = {"X-Notification-Id": str(notification.pk)}
    if opt_out_url:
        headers["List-Unsubscribe"] = f"<{opt_out_url}>"
    message = EmailMultiAlternatives(
        subject=subject,
        body=_tidy_text(text),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.customer.email],
        reply_to=[storefront.support_email] if storefront.support_email else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _tidy_text(text: str) -> str:
    # Template tags leave blank lines and trailing spaces; a plain-text mail should not.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
