"""Reading single fields of a platform's order body: amounts, text, e-mail, country, times.

Shared by the Shopify and WooCommerce readers. Every refusal is a
PlatformPayloadError naming the field, in words a person on the dashboard can
act on; text that is merely too long for our columns is shortened and said so
in the order's notes rather than refused (a name cut at 200 characters still
reaches the customer; a SKU cut at 64 would be another product, so it is refused).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from orders.services import order_total_compute
from shared.errors import OrderValidationError
from shared.money import amount_in_minor_units

from .platform_orders import PlatformPayloadError

ZERO = Decimal("0.00")

# Our columns (customers.models.Customer/Address, orders.models.OrderLine).
SKU_LIMIT = 64
LINE_NAME_LIMIT = 255
PERSON_NAME_LIMIT = 200
PHONE_LIMIT = 40
EMAIL_LIMIT = 254
ADDRESS_LIMITS = {"line1": 255, "line2": 255, "city": 120, "province": 120}
POSTAL_CODE_LIMIT = 20
CANCEL_REASON_LIMIT = 500


@dataclass
class PayloadReader:
    """Reads one body of one platform in one currency, collecting notes for staff."""

    platform: str  # "Shopify" or "WooCommerce", as people know them
    currency: str
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def refuse(self, message: str, *, field: str) -> PlatformPayloadError:
        return PlatformPayloadError(message, field=field)

    def objects(self, value: Any, *, field: str) -> list[dict[str, Any]]:
        """A list of JSON objects (lines, refunds, allocations); missing is empty."""
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.refuse(
                _("%(field)s is not a list of objects.") % {"field": field}, field=field
            )
        return value

    # --- amounts -------------------------------------------------------------

    def amount(self, value: Any, *, field: str, default: Decimal | None = None) -> Decimal:
        """A money amount written as a decimal string (or whole number), in our currency's units.

        JSON numbers with a fraction are refused: a float has already lost the
        exact amount (the platforms write amounts as strings; WooCommerce's
        float `price` is never read).
        """
        if value is None or value == "":
            if default is not None:
                return default
            raise self.refuse(
                _("%(platform)s sent no amount in %(field)s.")
                % {"platform": self.platform, "field": field},
                field=field,
            )
        if isinstance(value, float | bool):
            raise self.refuse(
                _(
                    "%(platform)s sent %(field)s as a JSON number (%(value)r); amounts are read "
                    "only from decimal strings so that no cent is lost."
                )
                % {"platform": self.platform, "field": field, "value": value},
                field=field,
            )
        try:
            decimal = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise self.refuse(
                _("%(field)s is not an amount: %(value)r.") % {"field": field, "value": value},
                field=field,
            ) from None
        return self.money(decimal, field=field)

    def money(self, value: Decimal, *, field: str) -> Decimal:
        """Refuse an amount finer than the currency's minor units (1.5 VND, 0.005 USD)."""
        try:
            return amount_in_minor_units(value, self.currency, field=field)
        except OrderValidationError as error:
            raise self.refuse(
                _("%(field)s: %(message)s") % {"field": field, "message": error.message},
                field=field,
            ) from None

    def quantity(self, value: Any, *, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.refuse(
                _("%(field)s is not a whole quantity: %(value)r.")
                % {"field": field, "value": value},
                field=field,
            )
        try:
            quantity = int(str(value).strip())
        except ValueError:
            quantity = 0
        if quantity <= 0:
            raise self.refuse(
                _("%(field)s must be a whole number above zero, not %(value)r.")
                % {"field": field, "value": value},
                field=field,
            )
        return quantity

    def currency_check(self, sent: Any) -> None:
        sent_code = str(sent or "").strip().upper()
        if not sent_code:
            raise self.refuse(
                _("%(platform)s sent no currency for this order.") % {"platform": self.platform},
                field="currency",
            )
        if sent_code != self.currency:
            raise self.refuse(
                _("This storefront sells in %(ours)s; the order is in %(theirs)s.")
                % {"ours": self.currency, "theirs": sent_code},
                field="currency",
            )

    # --- text ----------------------------------------------------------------

    def text(self, value: Any, *, limit: int, what: str) -> str:
        """Text for one of our columns; shortened (with a note) when longer than it holds."""
        text = " ".join(str(value or "").split())  # no stray newlines or double spaces
        if len(text) <= limit:
            return text
        self.note(
            _("%(what)s was shortened to %(limit)s characters: %(text)s")
            % {"what": what, "limit": limit, "text": text}
        )
        return text[: limit - 1].rstrip() + "…"

    def sku(self, value: Any, *, field: str) -> str:
        sku = str(value or "").strip()
        if len(sku) > SKU_LIMIT:
            raise self.refuse(
                _("SKU %(sku)s is longer than the %(limit)s characters our orders keep.")
                % {"sku": sku, "limit": SKU_LIMIT},
                field=field,
            )
        return sku

    def email(self, value: Any, *, field: str) -> str:
        email = str(value or "").strip()
        if not email:
            raise self.refuse(
                _(
                    "The %(platform)s order has no customer e-mail address; our orders "
                    "need one to reach the customer."
                )
                % {"platform": self.platform},
                field=field,
            )
        try:
            if len(email) > EMAIL_LIMIT:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            raise self.refuse(
                _("The customer e-mail address %(email)r is not a valid address.")
                % {"email": email},
                field=field,
            ) from None
        return email

    def country(self, value: Any, *, field: str) -> str:
        code = str(value or "").strip().upper()
        if not code:
            raise self.refuse(
                _("The %(platform)s order's shipping address has no country.")
                % {"platform": self.platform},
                field=field,
            )
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise self.refuse(
                _("The country %(code)r is not a two-letter ISO 3166-1 code.") % {"code": code},
                field=field,
            )
        return code

    def postal_code(self, value: Any, *, field: str) -> str:
        code = " ".join(str(value or "").split())
        if len(code) > POSTAL_CODE_LIMIT:
            raise self.refuse(
                _("The postal code %(code)r is longer than %(limit)s characters.")
                % {"code": code, "limit": POSTAL_CODE_LIMIT},
                field=field,
            )
        return code

    def address(self, fields: dict[str, Any], *, where: str) -> dict[str, str]:
        """Our shipping address from already picked platform values; refuses what is missing."""
        address = {
            "name": self.text(
                fields.get("name"), limit=PERSON_NAME_LIMIT, what=_("The recipient's name")
            ),
            "line1": self.text(
                fields.get("line1"), limit=ADDRESS_LIMITS["line1"], what=_("Address line 1")
            ),
            "line2": self.text(
                fields.get("line2"), limit=ADDRESS_LIMITS["line2"], what=_("Address line 2")
            ),
            "city": self.text(fields.get("city"), limit=ADDRESS_LIMITS["city"], what=_("The city")),
            "province": self.text(
                fields.get("province"), limit=ADDRESS_LIMITS["province"], what=_("The province")
            ),
            "postal_code": self.postal_code(fields.get("postal_code"), field=f"{where}.postcode"),
            "country": self.country(fields.get("country"), field=f"{where}.country"),
            "phone": self.text(fields.get("phone"), limit=PHONE_LIMIT, what=_("The phone number")),
        }
        for key, label in (("name", _("recipient name")), ("line1", _("street address"))):
            if not address[key]:
                raise self.refuse(
                    _("The %(platform)s order's shipping address has no %(what)s.")
                    % {"platform": self.platform, "what": label},
                    field=f"{where}.{key}",
                )
        if not address["city"]:
            raise self.refuse(
                _("The %(platform)s order's shipping address has no city.")
                % {"platform": self.platform},
                field=f"{where}.city",
            )
        return address

    # --- times ---------------------------------------------------------------

    def moment(self, value: Any, *, field: str, naive_is_utc: bool = False) -> datetime | None:
        """An ISO 8601 time as an aware datetime; one without offset is UTC only if said so."""
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise self.refuse(
                _("%(field)s is not an ISO 8601 time: %(value)r.")
                % {"field": field, "value": value},
                field=field,
            ) from None
        if moment.tzinfo is None:
            if not naive_is_utc:
                raise self.refuse(
                    _("%(field)s has no time zone: %(value)r.") % {"field": field, "value": value},
                    field=field,
                )
            moment = moment.replace(tzinfo=UTC)
        return moment

    # --- lines and totals ------------------------------------------------------

    def lines_merge(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One line per SKU, as our orders keep them (an edit names each SKU once).

        Two platform lines of the same SKU at the same price become one line; at
        different prices they cannot, and the order is refused rather than
        priced wrong.
        """
        merged: dict[str, dict[str, Any]] = {}
        for line in lines:
            known = merged.get(line["sku"])
            if known is None:
                merged[line["sku"]] = dict(line)
                continue
            if known["unit_price"] != line["unit_price"]:
                raise self.refuse(
                    _(
                        "SKU %(sku)s is on two lines at different prices (%(first)s and "
                        "%(second)s); our orders keep one price per SKU."
                    )
                    % {
                        "sku": line["sku"],
                        "first": known["unit_price"],
                        "second": line["unit_price"],
                    },
                    field="line_items",
                )
            known["quantity"] += line["quantity"]
            self.note(
                _("Two %(platform)s lines of SKU %(sku)s were joined into one line.")
                % {"platform": self.platform, "sku": line["sku"]}
            )
        return list(merged.values())

    def total_check(
        self,
        *,
        lines: list[dict[str, Any]],
        discount_total: Decimal,
        shipping_price: Decimal,
        tax_total: Decimal,
        taxes_included: bool,
        platform_total: Decimal,
        total_field: str,
    ) -> None:
        """Refuse the order unless our one total rule gives the platform's total to the cent."""
        subtotal = sum((line["unit_price"] * line["quantity"] for line in lines), ZERO)
        ours = order_total_compute(
            subtotal=subtotal,
            shipping_price=shipping_price,
            discount_total=discount_total,
            tax_total=tax_total,
            taxes_included=taxes_included,
        )
        if ours == platform_total:
            return
        tax_part = (_("tax %(tax)s included") if taxes_included else _("+ tax %(tax)s")) % {
            "tax": tax_total
        }
        raise self.refuse(
            _(
                "The amounts do not add up: goods %(subtotal)s - discounts %(discount)s + "
                "shipping %(shipping)s, %(tax_part)s, make %(ours)s %(currency)s, but "
                "%(platform)s's %(field)s is %(theirs)s %(currency)s. Nothing was stored, "
                "so that no order carries a wrong total."
            )
            % {
                "subtotal": subtotal,
                "discount": discount_total,
                "shipping": shipping_price,
                "tax_part": tax_part,
                "ours": ours,
                "currency": self.currency,
                "platform": self.platform,
                "field": total_field,
                "theirs": platform_total,
            }
            + (" " + " ".join(self.notes) if self.notes else ""),
            field=total_field,
        )


def joined_name(*parts: Any) -> str:
    """First and last name as one, without the "None" a missing half would give."""
    return " ".join(str(part).strip() for part in parts if part and str(part).strip())


def whole_id(value: Any, *, platform: str, field: str = "id") -> str:
    """The platform's order id as a string (it becomes our external_id)."""
    text = "" if isinstance(value, bool) or value is None else str(value).strip()
    if not text or len(text) > 100:
        raise PlatformPayloadError(
            _("The %(platform)s order has no usable id (%(value)r).")
            % {"platform": platform, "value": value},
            field=field,
        )
    return text
