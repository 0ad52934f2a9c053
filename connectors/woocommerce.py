"""A WooCommerce order (REST API v3 order, as order.* webhooks send it), in our terms.

WooCommerce keeps every line, discount and shipping amount WITHOUT tax, with
the tax beside it (`subtotal` + `subtotal_tax`, `discount_total` +
`discount_tax`, `shipping_total` + `shipping_tax`), whatever the shop's
setting; `prices_include_tax` says how the shop entered and showed its prices.
So, that our total equals WooCommerce's `total` to the cent:

- prices entered without tax: unit price = `subtotal` / quantity, discount =
  `discount_total`, shipping = the shipping lines' `total`, and `total_tax` is added;
- prices entered with tax: unit price = (`subtotal` + `subtotal_tax`) / quantity,
  discount = `discount_total` + `discount_tax`, shipping = lines' `total` +
  `total_tax`, and `total_tax` is kept as included (shown, not added again).

A line's `subtotal` is before coupons and its `total` after, the difference
being the order's `discount_total` (and `discount_tax`), so both readings add up
to `total`. The float `price` of a line is never read. A negative fee line is a
discount; a positive fee line has no place in our orders and is refused.
"""

import html
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from .payload_fields import (
    LINE_NAME_LIMIT,
    PERSON_NAME_LIMIT,
    PHONE_LIMIT,
    ZERO,
    PayloadReader,
    joined_name,
    whole_id,
)
from .platform_orders import PlatformOrder, PlatformPayloadError

PLATFORM = "WooCommerce"

INVOICE_METHODS = ("bacs", "cheque")
UNPAID_STATUSES = ("pending", "on-hold", "failed")
PAID_STATUSES = ("processing", "completed")
CANCELLED_STATUSES = ("cancelled", "trash")
KNOWN_STATUSES = (*UNPAID_STATUSES, *PAID_STATUSES, *CANCELLED_STATUSES, "refunded")


def order_read(payload: dict, *, currency: str) -> PlatformOrder:
    """Map one WooCommerce order body; refuse (PlatformPayloadError) what cannot be mapped.

    `currency` is the storefront's: an order in another currency is refused.
    """
    if not isinstance(payload, dict):
        raise PlatformPayloadError(_("The WooCommerce body is not a JSON object."), field="body")
    reader = PayloadReader(platform=PLATFORM, currency=currency.strip().upper())
    order_id = whole_id(payload.get("id"), platform=PLATFORM)
    reader.currency_check(payload.get("currency"))

    included = bool(payload.get("prices_include_tax"))
    lines = reader.lines_merge(_lines_read(reader, payload.get("line_items"), included=included))
    discount = reader.amount(payload.get("discount_total"), field="discount_total", default=ZERO)
    if included:
        discount += reader.amount(payload.get("discount_tax"), field="discount_tax", default=ZERO)
    discount += _fees_as_discount(reader, payload.get("fee_lines"), included=included)
    shipping_price = _shipping_read(reader, payload, included=included)
    tax_total = reader.amount(payload.get("total_tax"), field="total_tax", default=ZERO)
    total = reader.amount(payload.get("total"), field="total")
    _unmapped_note(reader, payload)
    reader.total_check(
        lines=lines,
        discount_total=discount,
        shipping_price=shipping_price,
        tax_total=tax_total,
        taxes_included=included,
        platform_total=total,
        total_field="total",
    )

    customer = _customer_read(reader, payload)
    payment_method = _payment_method(payload)
    payment_status, amount_refunded = _payment_read(
        reader, payload, payment_method=payment_method, total=total
    )
    status = str(payload.get("status") or "")
    if status not in KNOWN_STATUSES:
        reader.note(
            _("WooCommerce's order status %(status)r is not one we know; read as not cancelled.")
            % {"status": status}
        )
    return PlatformOrder(
        platform_order_id=order_id,
        platform_reference=str(payload.get("number") or order_id).strip()[:64],
        currency=reader.currency,
        customer=customer,
        shipping_address=_address_read(reader, payload, customer=customer),
        lines=lines,
        shipping_price=shipping_price,
        discount_total=discount,
        tax_total=tax_total,
        taxes_included=included,
        total=total,
        payment_method=payment_method,
        payment_status=payment_status,
        amount_refunded=amount_refunded,
        cancelled=status in CANCELLED_STATUSES,
        cancel_reason=_cancel_reason(status),
        updated_at=reader.moment(
            payload.get("date_modified_gmt"), field="date_modified_gmt", naive_is_utc=True
        ),
        notes=reader.notes,
    )


def _cancel_reason(status: str) -> str:
    if status == "trash":
        return _("Moved to the trash on WooCommerce.")
    if status == "cancelled":
        return _("Cancelled on WooCommerce.")
    return ""


def deleted_order_id(payload: dict) -> str:
    """The order id of an `order.deleted` delivery, whose body may be only `{"id": N}`."""
    if not isinstance(payload, dict):
        raise PlatformPayloadError(_("The WooCommerce body is not a JSON object."), field="body")
    return whole_id(payload.get("id"), platform=PLATFORM)


def _lines_read(reader: PayloadReader, items: Any, *, included: bool) -> list[dict[str, Any]]:
    items = reader.objects(items, field="line_items")
    if not items:
        raise reader.refuse(_("The WooCommerce order has no line items."), field="line_items")
    lines = []
    for index, item in enumerate(items):
        where = f"line_items[{index}]"
        quantity = reader.quantity(item.get("quantity"), field=f"{where}.quantity")
        goods = reader.amount(item.get("subtotal"), field=f"{where}.subtotal")
        if included:
            goods += reader.amount(
                item.get("subtotal_tax"), field=f"{where}.subtotal_tax", default=ZERO
            )
        name = html.unescape(str(item.get("name") or "")).strip()
        lines.append(
            {
                "sku": _sku(reader, item, where=where, name=name),
                "name": reader.text(name or where, limit=LINE_NAME_LIMIT, what=_("A line's name")),
                "quantity": quantity,
                "unit_price": _unit_price(reader, goods, quantity, where=where, name=name),
                "category": "",
            }
        )
    return lines


def _unit_price(
    reader: PayloadReader, goods: Decimal, quantity: int, *, where: str, name: str
) -> Decimal:
    """The line's amount divided by its quantity, only when it divides into the currency's units."""
    if goods < 0:
        raise reader.refuse(
            _("%(name)s has a negative price.") % {"name": name or where}, field=f"{where}.subtotal"
        )
    unit_price = goods / quantity
    try:
        unit_price = reader.money(unit_price, field=f"{where}.subtotal")
    except PlatformPayloadError:
        unit_price = None
    if unit_price is None or unit_price * quantity != goods:
        raise reader.refuse(
            _(
                "%(name)s: %(amount)s %(currency)s for %(quantity)s does not divide into a unit "
                "price in whole %(currency)s minor units, so the line cannot be kept to the cent."
            )
            % {
                "name": name or where,
                "amount": goods,
                "currency": reader.currency,
                "quantity": quantity,
            },
            field=f"{where}.subtotal",
        )
    return unit_price


def _sku(reader: PayloadReader, item: dict, *, where: str, name: str) -> str:
    sku = reader.sku(item.get("sku"), field=f"{where}.sku")
    if sku:
        return sku
    if item.get("variation_id"):
        sku = f"variation-{item['variation_id']}"
    elif item.get("product_id"):
        sku = f"product-{item['product_id']}"
    else:
        sku = f"line-{item.get('id') or where}"
    reader.note(
        _("%(name)s has no SKU on WooCommerce; it is kept under %(sku)s.")
        % {"name": name or where, "sku": sku}
    )
    return sku[:64]


def _fees_as_discount(reader: PayloadReader, fee_lines: Any, *, included: bool) -> Decimal:
    """Negative fees (a discount added as a fee) as discount; positive fees are refused."""
    discount = ZERO
    for index, fee in enumerate(reader.objects(fee_lines, field="fee_lines")):
        where = f"fee_lines[{index}]"
        amount = reader.amount(fee.get("total"), field=f"{where}.total", default=ZERO)
        if included:
            amount += reader.amount(fee.get("total_tax"), field=f"{where}.total_tax", default=ZERO)
        name = html.unescape(str(fee.get("name") or "")).strip()
        if amount > 0:
            raise reader.refuse(
                _(
                    "The fee %(name)s of %(amount)s %(currency)s cannot be mapped: our orders "
                    "have goods, shipping, discounts and tax, not fees. Add it to the shipping "
                    "or a product on WooCommerce, or take the order by hand."
                )
                % {"name": name, "amount": amount, "currency": reader.currency},
                field=where,
            )
        if amount < 0:
            discount -= amount
            reader.note(
                _("The negative fee %(name)s (%(amount)s) is counted as a discount.")
                % {"name": name, "amount": amount}
            )
    return discount


def _shipping_read(reader: PayloadReader, payload: dict, *, included: bool) -> Decimal:
    shipping_lines = reader.objects(payload.get("shipping_lines"), field="shipping_lines")
    if not shipping_lines:
        shipping = reader.amount(
            payload.get("shipping_total"), field="shipping_total", default=ZERO
        )
        if included:
            shipping += reader.amount(
                payload.get("shipping_tax"), field="shipping_tax", default=ZERO
            )
        return shipping
    shipping = ZERO
    for index, line in enumerate(shipping_lines):
        where = f"shipping_lines[{index}]"
        shipping += reader.amount(line.get("total"), field=f"{where}.total", default=ZERO)
        if included:
            shipping += reader.amount(
                line.get("total_tax"), field=f"{where}.total_tax", default=ZERO
            )
    if shipping < 0:
        raise reader.refuse(_("The shipping costs less than nothing."), field="shipping_lines")
    return shipping


def _unmapped_note(reader: PayloadReader, payload: dict) -> None:
    codes = [
        str(line.get("code"))
        for line in payload.get("coupon_lines") or []
        if isinstance(line, dict) and line.get("code")
    ]
    if codes:
        reader.note(_("Coupons used on WooCommerce: %(codes)s.") % {"codes": ", ".join(codes)})
    if payload.get("customer_note"):
        reader.note(
            _("The customer's note on WooCommerce: %(note)s") % {"note": payload["customer_note"]}
        )


def _customer_read(reader: PayloadReader, payload: dict) -> dict[str, str]:
    billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
    shipping = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else {}
    email = reader.email(billing.get("email"), field="billing.email")
    name = (
        joined_name(billing.get("first_name"), billing.get("last_name"))
        or joined_name(shipping.get("first_name"), shipping.get("last_name"))
        or email
    )
    return {
        "email": email,
        "name": reader.text(name, limit=PERSON_NAME_LIMIT, what=_("The customer's name")),
        "phone": reader.text(
            billing.get("phone") or shipping.get("phone") or "",
            limit=PHONE_LIMIT,
            what=_("The customer's phone number"),
        ),
    }


def _address_read(
    reader: PayloadReader, payload: dict, *, customer: dict[str, str]
) -> dict[str, str]:
    where = "shipping"
    source = payload.get("shipping") if isinstance(payload.get("shipping"), dict) else {}
    if not source.get("address_1"):
        billing = payload.get("billing") if isinstance(payload.get("billing"), dict) else {}
        if not billing.get("address_1"):
            raise reader.refuse(
                _(
                    "The WooCommerce order has no shipping address (nor a billing address to "
                    "ship to); our orders are shipped to an address."
                ),
                field="shipping",
            )
        where, source = "billing", billing
        reader.note(_("WooCommerce sent no shipping address; the billing address is used."))
    if source.get("company"):
        reader.note(_("The company %(company)s is not mapped.") % {"company": source["company"]})
    return reader.address(
        {
            "name": joined_name(source.get("first_name"), source.get("last_name"))
            or customer["name"],
            "line1": source.get("address_1"),
            "line2": source.get("address_2"),
            "city": source.get("city"),
            "province": source.get("state"),
            "postal_code": source.get("postcode"),
            "country": source.get("country"),
            "phone": source.get("phone") or customer["phone"],
        },
        where=where,
    )


def _payment_method(payload: dict) -> str:
    method = str(payload.get("payment_method") or "").strip()
    if method == "cod":
        return "cod"
    if method in INVOICE_METHODS:
        return "invoice"
    return "card"


def _payment_read(
    reader: PayloadReader, payload: dict, *, payment_method: str, total: Decimal
) -> tuple[str, Decimal]:
    status = str(payload.get("status") or "")
    refunded = ZERO
    for index, refund in enumerate(reader.objects(payload.get("refunds"), field="refunds")):
        # Refund totals are negative strings ("-10.00"): counted by their size.
        refunded += abs(reader.amount(refund.get("total"), field=f"refunds[{index}].total"))
    if status == "refunded":
        return "refunded", refunded or total
    if refunded:
        return "partially_refunded", refunded
    if payment_method == "cod":
        if payload.get("date_paid"):
            reader.note(
                _(
                    "WooCommerce marks this cash-on-delivery order paid; it is kept unpaid "
                    "until the cash is collected on delivery."
                )
            )
        return "unpaid", ZERO
    if status in UNPAID_STATUSES:
        return "unpaid", ZERO
    if payload.get("date_paid") or status in PAID_STATUSES:
        return "paid", ZERO
    return "unpaid", ZERO
