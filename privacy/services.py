"""A customer's rights over their personal data: a copy of it, and its erasure.

GDPR (articles 15, 17 and 20) and Vietnam's Decree 13/2023/ND-CP give a person
the right to get the data held about them and to have it deleted. Orders
cannot simply be deleted: finance must still reconcile revenue, refunds and
costs, and the law lets us keep what accounting needs. So erasure
*anonymises*: the person's identifiers are replaced, the text they wrote and
the photos they sent are removed, and every order, line, amount, status,
history row and ledger entry stays, no longer pointing at anyone.

What is kept of the shipping address: the country, and only the part of the
postal code that a configured region matches (often its first two or three
characters). Planning, dashboards and the ledger place orders in regions by
those two values alone (`orders.planning.region_for_address`), so a refund
booked after the erasure still lands in the region its revenue did; neither
identifies a person.

Both actions need a permission that only managers hold (`orders.roles`) and
each writes a `PersonalDataAction` row (who, when, why; never the data).
"""

import logging
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from customers.models import (
    Address,
    Customer,
    PersonalDataAction,
    PersonalDataActionKind,
)
from fulfillment.models import AfterSalesPhoto, AfterSalesRequest, SupplierRequest, TrackingEvent
from notifications.models import Notification, NotificationStatus
from orders.models import (
    Order,
    OrderChangeRequest,
    OrderEvent,
    OrderEventType,
    Region,
)
from privacy.selectors import customer_personal_data
from shared.actors import Actor
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied
from webhooks.models import WebhookAttempt, WebhookEvent

logger = logging.getLogger(__name__)


EXPORT_PERMISSION = "customers.export_customer"
ERASE_PERMISSION = "customers.erase_customer"

ERASED_NAME = "Erased customer"
# Put where a customer's own words were (after-sales reasons) and where staff text named them.
ERASED_TEXT = "[erased]"


def erased_email(customer: Customer) -> str:
    """The placeholder address: unique per customer, and `.invalid` never receives mail."""
    return f"erased-{customer.pk}@erased.invalid"


def _permission_require(actor: Actor, permission: str, action: str) -> None:
    # The system (a management command run by an operator) may; a user needs the permission.
    if actor is not None and not actor.has_perm(permission):
        raise TransitionPermissionDenied(
            f"You may not {action}.", details={"permission": permission}
        )


def _actor_or_none(actor: Actor):
    return actor if actor is not None and actor.is_authenticated else None


def customer_data_export(*, customer: Customer, actor: Actor) -> dict[str, Any]:
    """Return all personal data held about `customer` and record who took a copy."""
    _permission_require(actor, EXPORT_PERMISSION, "export customers' personal data")
    data = customer_personal_data(customer)
    PersonalDataAction.objects.create(
        customer=customer,
        kind=PersonalDataActionKind.EXPORT,
        actor=_actor_or_none(actor),
        summary={"orders": len(data["orders"]), "addresses": len(data["addresses"])},
    )
    return data


customer_data_export.alters_data = True


def customer_erase(*, customer: Customer, actor: Actor, reason: str) -> PersonalDataAction | None:
    """Anonymise `customer` and everything that identifies them; keep their orders for finance.

    Refused while one of their orders is still open (it must still reach them or
    may still be returned): complete or cancel it first. Runs in one transaction;
    photo files are deleted once it committed. Erasing an erased customer changes
    nothing and returns None; otherwise returns the audit row.
    """
    _permission_require(actor, ERASE_PERMISSION, "erase customers' personal data")
    reason = (reason or "").strip()
    if not reason:
        raise OrderValidationError(
            "Say why the data is erased (e.g. the customer's request and its date).",
            details={"reason": ["This field is required."]},
        )
    with transaction.atomic():
        # The lock makes a second erasure wait for the first, then find nothing to do.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.erased_at is not None:
            return None
        orders = list(customer.orders.order_by("id"))
        open_ids = set(Order.objects.open().filter(customer=customer).values_list("pk", flat=True))
        still_open = [order.number for order in orders if order.pk in open_ids]
        if still_open:
            raise InvalidTransition(
                "These orders are still open; complete or cancel them before erasing: "
                + ", ".join(still_open)
                + ".",
                details={"orders": still_open},
            )
        shipped_to = [order.shipping_address_id for order in orders]
        addresses = list(
            Address.objects.select_for_update()
            .filter(Q(customer=customer) | Q(pk__in=shipped_to))
            .order_by("id")
        )
        redact = _redactor(_identifiers(customer, addresses))
        summary = {
            "orders": len(orders),
            "addresses": _addresses_anonymise(addresses),
            **_customer_text_remove(orders, redact),
            "notifications_cancelled": _notifications_scrub(customer, redact),
            "staff_text_redacted": _staff_text_redact(orders, redact),
            "admin_log_entries": _admin_log_scrub(customer, addresses),
        }
        customer.name = ERASED_NAME
        customer.email = erased_email(customer)
        customer.phone = ""
        customer.erased_at = timezone.now()
        customer.save(update_fields=["name", "email", "phone", "erased_at", "updated_at"])
        action = PersonalDataAction.objects.create(
            customer=customer,
            kind=PersonalDataActionKind.ERASURE,
            actor=_actor_or_none(actor),
            reason=reason[:500],
            summary=summary,
        )
        OrderEvent.objects.bulk_create(
            OrderEvent(
                order=order,
                event_type=OrderEventType.NOTE,
                actor=_actor_or_none(actor),
                note="The customer's personal data was erased.",
                customer_visible=False,
                data={"personal_data_action": action.pk},
            )
            for order in orders
        )
    return action


customer_erase.alters_data = True


# -- what identifies the person ----------------------------------------------------


def _identifiers(customer: Customer, addresses: list[Address]) -> list[str]:
    """The strings that name the person, longest first (so a full name goes before a part)."""
    values = {customer.name, customer.email, customer.phone}
    for address in addresses:
        values |= {address.name, address.line1, address.line2, address.phone}
    for phone in [customer.phone, *(address.phone for address in addresses)]:
        digits = re.sub(r"\D", "", phone or "")
        if len(digits) >= 8:
            values.add(digits)
    # Short values ("An", "12") would also match ordinary words and amounts.
    kept = {value.strip() for value in values if len(value.strip()) >= 4}
    return sorted(kept, key=len, reverse=True)


def _redactor(identifiers: list[str]):
    """Return a function replacing each identifier (whole words, any case) in text or JSON."""
    if not identifiers:
        return lambda value: value
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(value) for value in identifiers) + r")(?!\w)",
        re.IGNORECASE,
    )

    def redact(value):
        if isinstance(value, str):
            return pattern.sub(ERASED_TEXT, value)
        if isinstance(value, list):
            return [redact(item) for item in value]
        if isinstance(value, dict):
            return {key: redact(item) for key, item in value.items()}
        return value

    return redact


def _rows_redact(rows: Iterable, fields: list[str], redact) -> int:
    """Redact `fields` of each row in place; save and count the rows that changed."""
    changed = 0
    for row in rows:
        dirty = []
        for field in fields:
            before = getattr(row, field)
            after = redact(before)
            if after != before:
                setattr(row, field, after)
                dirty.append(field)
        if dirty:
            # An UPDATE of those columns only: no save() side effects, no `updated_at` bump.
            type(row)._default_manager.filter(pk=row.pk).update(
                **{field: getattr(row, field) for field in dirty}
            )
            changed += 1
    return changed


# -- the steps ---------------------------------------------------------------------


def _postal_code_region_part(address: Address) -> str:
    """The longest configured region prefix the postal code starts with, else ''."""
    postal_code = address.postal_code.replace(" ", "").upper()
    prefixes = [
        prefix
        for region in Region.objects.filter(country__iexact=address.country)
        for prefix in region.prefixes
        if postal_code.startswith(prefix)
    ]
    return max(prefixes, key=len, default="")


def _addresses_anonymise(addresses: list[Address]) -> int:
    for address in addresses:
        address.postal_code = _postal_code_region_part(address)
        address.name = ERASED_NAME
        address.line1 = address.line2 = address.city = address.phone = ""
    Address.objects.bulk_update(
        addresses, ["name", "line1", "line2", "city", "postal_code", "phone"]
    )
    return len(addresses)


def _photo_file_delete(storage, name: str) -> None:
    # Runs after the erasure committed: a file that cannot be deleted is logged with
    # its name, to delete by hand, rather than turning a done erasure into an error.
    try:
        storage.delete(name)
    except Exception:
        logger.exception("erasure: could not delete the photo file %s; delete it by hand", name)


def _customer_text_remove(orders: list[Order], redact) -> dict[str, int]:
    """Replace what the customer wrote and delete the photos they sent (files after commit)."""
    requests = AfterSalesRequest.objects.filter(order__in=orders)
    requests_changed = requests.exclude(reason=ERASED_TEXT).update(reason=ERASED_TEXT)
    photos = list(AfterSalesPhoto.objects.filter(request__in=requests))
    for photo in photos:
        transaction.on_commit(partial(_photo_file_delete, photo.image.storage, photo.image.name))
    AfterSalesPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    # A storefront may pass the customer's own words as the cancellation reason.
    _rows_redact(orders, ["cancel_reason"], redact)
    return {
        "after_sales_reasons": requests_changed,
        "photos_deleted": len(photos),
        "change_requests": _change_requests_scrub(orders, redact),
    }


def _change_requests_scrub(orders: list[Order], redact) -> int:
    """Drop the customer's message and the addresses of their change requests (but the country).

    An address asked for and declined was never an Address row, so it is
    removed here rather than anonymised with the others.
    """
    changed = 0
    for request in OrderChangeRequest.objects.filter(order__in=orders).order_by("id"):
        data = {
            key: {"country": value.get("country", "")}
            if key.startswith("shipping_address") and isinstance(value, dict)
            else value
            for key, value in request.data.items()
        }
        message = ERASED_TEXT if request.message else ""
        note = redact(request.decision_note)
        if (data, message, note) != (request.data, request.message, request.decision_note):
            OrderChangeRequest.objects.filter(pk=request.pk).update(
                data=data, message=message, decision_note=note
            )
            changed += 1
    return changed


def _notifications_scrub(customer: Customer, redact) -> int:
    """Cancel what is still to be sent; redact what the outbox rows say."""
    cancelled = Notification.objects.filter(
        customer=customer, status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.CANCELLED, lease_until=None)
    # A mail server's error often quotes the recipient's address.
    _rows_redact(Notification.objects.filter(customer=customer), ["context", "last_error"], redact)
    return cancelled


def _staff_text_redact(orders: list[Order], redact) -> int:
    """Remove the person's identifiers where staff, carriers or storefronts wrote them down.

    Ledger entries are left alone: they are append-only bookkeeping and carry
    amounts, region and payment method, no personal data.
    """
    order_ids = [order.pk for order in orders]
    events = WebhookEvent.objects.filter(order_id__in=order_ids)
    return sum(
        [
            _rows_redact(
                OrderEvent.objects.filter(order_id__in=order_ids),
                ["reason", "note", "data"],
                redact,
            ),
            _rows_redact(events, ["payload", "last_error"], redact),
            _rows_redact(
                WebhookAttempt.objects.filter(event__in=events), ["response_body", "error"], redact
            ),
            _rows_redact(
                TrackingEvent.objects.filter(shipment__order_id__in=order_ids),
                ["location", "message"],
                redact,
            ),
            _rows_redact(
                SupplierRequest.objects.filter(order_id__in=order_ids), ["failure_reason"], redact
            ),
        ]
    )


def _admin_log_scrub(customer: Customer, addresses: list[Address]) -> int:
    """The admin's history names a changed object by its str(): "Name <e-mail>"."""
    scrubbed = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer), object_id=str(customer.pk)
    ).update(object_repr=f"{ERASED_NAME} <{erased_email(customer)}>")
    scrubbed += LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Address),
        object_id__in=[str(address.pk) for address in addresses],
    ).update(object_repr=ERASED_NAME)
    return scrubbed
