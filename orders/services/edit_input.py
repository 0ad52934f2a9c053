"""Reading what an edit of an order asks for, before the order is locked: shape only.

Which changes the order allows (its status, its currency's minor units, what
is packed) is checked on the locked order by `orders.services.edits`.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from shared.actors import Actor
from shared.errors import OrderValidationError, TransitionPermissionDenied
from shared.parsing import INTEGER_MAX, whole_number

ADDRESS_FIELDS = {
    "name": 200,
    "line1": 255,
    "line2": 255,
    "city": 120,
    "province": 120,
    "postal_code": 20,
    "country": 2,
    "phone": 40,
}
ADDRESS_REQUIRED = ("name", "line1", "city", "country")
CUSTOMER_FIELDS = {"name": 200, "phone": 40}


@dataclass(frozen=True)
class LineRequest:
    index: int
    sku: str
    quantity: int
    name: str | None = None
    unit_price: Any = None
    category: str | None = None


@dataclass(frozen=True)
class EditRequest:
    lines: list[LineRequest] | None
    shipping_address: dict[str, str] | None
    customer: dict[str, str] | None
    shipping_price: Any
    # The shop's own discount and tax figures (a platform's update carries them).
    discount_total: Any = None
    tax_total: Any = None

    @property
    def empty(self) -> bool:
        return (
            not self.lines
            and not self.shipping_address
            and not self.customer
            and self.shipping_price is None
            and self.discount_total is None
            and self.tax_total is None
        )

    @property
    def money_fields(self) -> dict[str, Any]:
        """The order-level amounts asked for: shipping price, discounts, tax."""
        return {
            name: value
            for name, value in (
                ("shipping_price", self.shipping_price),
                ("discount_total", self.discount_total),
                ("tax_total", self.tax_total),
            )
            if value is not None
        }


def permission_require(actor: Actor, permission: str, message: str) -> None:
    if actor is not None and not actor.has_perm(permission):
        raise TransitionPermissionDenied(message, details={"permission": permission})


def reason_require(reason: str) -> str:
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise OrderValidationError(
            _("Say why the order is changed."), details={"reason": [_("This field is required.")]}
        )
    if len(reason) > 500:
        message = _("At most 500 characters.")
        raise OrderValidationError(message, details={"reason": [message]})
    return reason


def _text(value: Any, *, field: str, limit: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise OrderValidationError(
            _("%(field)s must be text.") % {"field": field}, details={field: [_("Must be text.")]}
        )
    value = value.strip()
    if required and not value:
        raise OrderValidationError(
            _("%(field)s is required.") % {"field": field},
            details={field: [_("This field is required.")]},
        )
    if len(value) > limit:
        message = _("At most %(limit)s characters.") % {"limit": limit}
        raise OrderValidationError(message, details={field: [message]})
    return value


def _count(value: Any, *, field: str) -> int:
    """A whole number of units, 0 or more, as an int or as digits."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value if 0 <= value <= INTEGER_MAX else None
    elif isinstance(value, str):
        number = whole_number(value)
    else:
        number = None
    if number is None:
        message = _("Must be a whole number, 0 or more.")
        raise OrderValidationError(message, details={field: [message]})
    return number


def lines_read(lines: Any, *, cancelling: bool = False) -> list[LineRequest]:
    if not isinstance(lines, list | tuple):
        message = _("Must be a list of lines.")
        raise OrderValidationError(message, details={"lines": [message]})
    read: list[LineRequest] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(line, dict):
            message = _("Each line is an object with a sku and a quantity.")
            raise OrderValidationError(message, details={where: [message]})
        sku = _text(line.get("sku"), field=f"{where}.sku", limit=64, required=True)
        if sku in seen:
            message = _("SKU %(sku)s is named twice.") % {"sku": sku}
            raise OrderValidationError(message, details={f"{where}.sku": [message]})
        seen.add(sku)
        if "quantity" not in line:
            message = _("This field is required.")
            raise OrderValidationError(message, details={f"{where}.quantity": [message]})
        quantity = _count(line["quantity"], field=f"{where}.quantity")
        if cancelling:
            if quantity == 0:
                message = _("Cancel at least one unit.")
                raise OrderValidationError(message, details={f"{where}.quantity": [message]})
            read.append(LineRequest(index=index, sku=sku, quantity=quantity))
            continue
        name = line.get("name")
        category = line.get("category")
        read.append(
            LineRequest(
                index=index,
                sku=sku,
                quantity=quantity,
                name=None
                if name is None
                else _text(name, field=f"{where}.name", limit=255, required=True),
                unit_price=line.get("unit_price"),
                category=None
                if category is None
                else _text(category, field=f"{where}.category", limit=100),
            )
        )
    return read


def address_read(address: Any) -> dict[str, str]:
    if not isinstance(address, dict):
        message = _("Must be an address object.")
        raise OrderValidationError(message, details={"shipping_address": [message]})
    unknown = sorted(set(address) - set(ADDRESS_FIELDS))
    if unknown:
        message = _("Unknown fields: %(fields)s.") % {"fields": ", ".join(map(str, unknown))}
        raise OrderValidationError(message, details={"shipping_address": [message]})
    values = {
        name: _text(
            address.get(name),
            field=f"shipping_address.{name}",
            limit=limit,
            required=name in ADDRESS_REQUIRED,
        )
        for name, limit in ADDRESS_FIELDS.items()
    }
    values["country"] = values["country"].upper()
    if (
        not (values["country"].isascii() and values["country"].isalpha())
        or len(values["country"]) != 2
    ):
        message = _("A two-letter country code (ISO 3166-1).")
        raise OrderValidationError(message, details={"shipping_address.country": [message]})
    return values


def customer_read(customer: Any) -> dict[str, str]:
    if not isinstance(customer, dict):
        message = _("Must be an object with name and phone.")
        raise OrderValidationError(message, details={"customer": [message]})
    if "email" in customer:
        message = _("The customer's e-mail cannot be changed.")
        raise OrderValidationError(message, details={"customer.email": [message]})
    unknown = sorted(set(customer) - set(CUSTOMER_FIELDS))
    if unknown:
        message = _("Unknown fields: %(fields)s.") % {"fields": ", ".join(map(str, unknown))}
        raise OrderValidationError(message, details={"customer": [message]})
    return {
        name: _text(customer[name], field=f"customer.{name}", limit=limit, required=name == "name")
        for name, limit in CUSTOMER_FIELDS.items()
        if name in customer
    }
