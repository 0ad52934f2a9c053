"""A Shopify order (the REST Admin API Order resource, as orders/* webhooks send it), in our terms.

How the amounts are read, so that our total equals Shopify's `total_price` to the cent:

- a line's unit price is its `price` (the variant's price; it includes tax when
  the order's `taxes_included` is true);
- every discount on goods, whether shown on the line or on the order (a discount
  code "across" the cart), is allocated by Shopify onto the lines as
  `discount_allocations`: their sum is our `discount_total` (the deprecated line
  `total_discount` is read only for a line without allocations, never both);
- the shipping price is each shipping line's `price` less its own
  `discount_allocations` (a free-shipping code lowers the shipping, not the goods);
- the tax is `total_tax`, added unless `taxes_included`.

Then our total (goods - discounts + shipping + tax unless included) must equal
`total_price`; tips, duties and additional fees are in Shopify's total but not in
our orders, so such an order is refused with both amounts rather than stored wrong.
Amounts are read in the shop's currency (`*_set.shop_money`), which must be the
storefront's.
"""

import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .payload_fields import (
    CANCEL_REASON_LIMIT,
    LINE_NAME_LIMIT,
    PERSON_NAME_LIMIT,
    PHONE_LIMIT,
    ZERO,
    PayloadReader,
    joined_name,
    whole_id,
)
from .platform_orders import PlatformOrder, PlatformPayloadError

PLATFORM = "Shopify"

# Shopify `financial_status` onto our payment states.
PAYMENT_STATUSES = {
    "pending": "unpaid",
    "partially_paid": "unpaid",
    "authorized": "authorized",
    "paid": "paid",
    "partially_refunded": "partially_refunded",
    "refunded": "refunded",
    "voided": "voided",
}

# A merchant may name the manual method in the shop's language ("Thanh toán khi nhận
# hàng (COD)"): the word COD on its own says cash on delivery too.
COD_WORD = re.compile(r"\bcod\b")

# Shopify's manual payment methods paid later by transfer or post become "invoice".
INVOICE_GATEWAYS = ("bank deposit", "money order", "manual")

CANCEL_REASONS = {
    "customer": gettext_noop("the customer changed or cancelled the order"),
    "fraud": gettext_noop("the order was fraudulent"),
    "inventory": gettext_noop("items were unavailable"),
    "declined": gettext_noop("the payment was declined"),
    "staff": gettext_noop("a staff error"),
    "other": gettext_noop("another reason"),
}


def order_read(payload: dict, *, currency: str) -> PlatformOrder:
    """Map one Shopify order body; refuse (PlatformPayloadError) what cannot be mapped faithfully.

    `currency` is the storefront's: an order in another shop currency is refused.
    """
    if not isinstance(payload, dict):
        raise PlatformPayloadError(_("The Shopify body is not a JSON object."), field="body")
    reader = PayloadReader(platform=PLATFORM, currency=currency.strip().upper())
    order_id = whole_id(payload.get("id"), platform=PLATFORM)
    reader.currency_check(payload.get("currency"))
    presentment = str(payload.get("presentment_currency") or "").upper()
    if presentment and presentment != reader.currency:
        reader.note(
            _("The customer paid in %(theirs)s; amounts are kept in the shop's %(ours)s.")
            % {"theirs": presentment, "ours": reader.currency}
        )

    taxes_included = bool(payload.get("taxes_included"))
    lines, goods_discount = _lines_read(reader, payload.get("line_items"))
    shipping_price = _shipping_read(reader, payload.get("shipping_lines"))
    tax_total = reader.amount(_shop_amount(payload, "total_tax"), field="total_tax", default=ZERO)
    total = reader.amount(_shop_amount(payload, "total_price"), field="total_price")
    _unmapped_note(reader, payload)
    lines = reader.lines_merge(lines)
    reader.total_check(
        lines=lines,
        discount_total=goods_discount,
        shipping_price=shipping_price,
        tax_total=tax_total,
        taxes_included=taxes_included,
        platform_total=total,
        total_field="total_price",
    )

    customer = _customer_read(reader, payload)
    payment_status, amount_refunded = _payment_read(reader, payload, total=total)
    cancelled_at = payload.get("cancelled_at")
    return PlatformOrder(
        platform_order_id=order_id,
        platform_reference=_reference(payload, order_id),
        currency=reader.currency,
        customer=customer,
        shipping_address=_address_read(reader, payload, customer=customer),
        lines=lines,
        shipping_price=shipping_price,
        discount_total=goods_discount,
        tax_total=tax_total,
        taxes_included=taxes_included,
        total=total,
        payment_method=_payment_method(payload),
        payment_status=payment_status,
        amount_refunded=amount_refunded,
        cancelled=bool(cancelled_at),
        cancel_reason=_cancel_reason(payload) if cancelled_at else "",
        updated_at=reader.moment(payload.get("updated_at"), field="updated_at"),
        notes=reader.notes,
    )


def _shop_amount(item: dict, key: str) -> Any:
    """An amount in the shop's currency: `<key>` (documented in it), else `<key>_set.shop_money`.

    Never `presentment_money`, the customer's currency when the shop sells in several.
    """
    if item.get(key) not in (None, ""):
        return item[key]
    money_set = item.get(f"{key}_set")
    if isinstance(money_set, dict) and isinstance(money_set.get("shop_money"), dict):
        return money_set["shop_money"].get("amount")
    return None


def _reference(payload: dict, order_id: str) -> str:
    name = str(payload.get("name") or "").strip()
    if name:
        return name[:64]
    number = payload.get("order_number")
    return f"#{number}" if number else order_id


def _lines_read(reader: PayloadReader, items: Any) -> tuple[list[dict[str, Any]], Decimal]:
    """Our lines (unit price = Shopify's `price`) and the sum of every discount on goods."""
    items = reader.objects(items, field="line_items")
    if not items:
        raise reader.refuse(_("The Shopify order has no line items."), field="line_items")
    lines: list[dict[str, Any]] = []
    discount = ZERO
    for index, item in enumerate(items):
        where = f"line_items[{index}]"
        quantity = reader.quantity(item.get("quantity"), field=f"{where}.quantity")
        unit_price = reader.amount(_shop_amount(item, "price"), field=f"{where}.price")
        if unit_price < 0:
            raise reader.refuse(
                _("%(where)s has a negative price.") % {"where": where}, field=f"{where}.price"
            )
        name = str(item.get("name") or item.get("title") or "").strip()
        allocations = reader.objects(
            item.get("discount_allocations"), field=f"{where}.discount_allocations"
        )
        if allocations:
            # Shopify allocates every discount (line or order level) onto the lines here.
            line_discount = sum(
                (
                    reader.amount(
                        _shop_amount(allocation, "amount"),
                        field=f"{where}.discount_allocations[{number}].amount",
                    )
                    for number, allocation in enumerate(allocations)
                ),
                ZERO,
            )
        else:
            line_discount = reader.amount(
                _shop_amount(item, "total_discount"), field=f"{where}.total_discount", default=ZERO
            )
        discount += line_discount
        sku = reader.sku(item.get("sku"), field=f"{where}.sku")
        if not sku:
            sku = _stand_in_sku(item, index)
            reader.note(
                _("%(name)s has no SKU on Shopify; it is kept under %(sku)s.")
                % {"name": name or where, "sku": sku}
            )
        if item.get("gift_card"):
            reader.note(_("%(name)s is a gift card (nothing to ship).") % {"name": name or sku})
        current = item.get("current_quantity")
        if isinstance(current, int) and not isinstance(current, bool) and current != quantity:
            reader.note(
                _(
                    "%(name)s: %(current)s of the %(quantity)s ordered are left on Shopify "
                    "(removed or refunded there); the order keeps the quantity ordered."
                )
                % {"name": name or sku, "current": current, "quantity": quantity}
            )
        lines.append(
            {
                "sku": sku,
                "name": reader.text(name or sku, limit=LINE_NAME_LIMIT, what=_("A line's name")),
                "quantity": quantity,
                "unit_price": unit_price,
                "category": "",
            }
        )
    return lines, discount


def _stand_in_sku(item: dict, index: int) -> str:
    """A stable stand-in for a line without a SKU: the variant, else the product, else the line."""
    for key, prefix in (("variant_id", "variant"), ("product_id", "product"), ("id", "line")):
        if item.get(key):
            return f"{prefix}-{item[key]}"[:64]
    return f"line-{index + 1}"


def _shipping_read(reader: PayloadReader, shipping_lines: Any) -> Decimal:
    """What the customer pays for shipping: each line's price less its own discounts."""
    shipping = ZERO
    for index, line in enumerate(reader.objects(shipping_lines, field="shipping_lines")):
        where = f"shipping_lines[{index}]"
        if line.get("is_removed"):
            continue
        price = reader.amount(_shop_amount(line, "price"), field=f"{where}.price", default=ZERO)
        allocations = reader.objects(
            line.get("discount_allocations"), field=f"{where}.discount_allocations"
        )
        if allocations:
            # The allocations, not `discounted_price`, which has been seen left undiscounted.
            line_discount = sum(
                (
                    reader.amount(
                        _shop_amount(allocation, "amount"),
                        field=f"{where}.discount_allocations[{number}].amount",
                    )
                    for number, allocation in enumerate(allocations)
                ),
                ZERO,
            )
            paid = price - line_discount
        else:
            paid = reader.amount(
                _shop_amount(line, "discounted_price"),
                field=f"{where}.discounted_price",
                default=price,
            )
        if paid < 0:
            raise reader.refuse(
                _("%(where)s costs less than nothing after its discounts.") % {"where": where},
                field=where,
            )
        if paid != price:
            reader.note(
                _("Shipping %(title)s: %(price)s less a shipping discount of %(discount)s.")
                % {"title": line.get("title") or "", "price": price, "discount": price - paid}
            )
        shipping += paid
    return shipping


def _unmapped_note(reader: PayloadReader, payload: dict) -> None:
    """Say what Shopify's total holds that our orders do not (the total check then refuses)."""
    tip = reader.amount(
        _shop_amount(payload, "total_tip_received"), field="total_tip_received", default=ZERO
    )
    if tip:
        reader.note(_("A tip of %(amount)s is not mapped.") % {"amount": tip})
    for key, what in (
        ("original_total_duties_set", _("Duties")),
        ("original_total_additional_fees_set", _("Additional fees")),
    ):
        money = (payload.get(key) or {}).get("shop_money") or {}
        amount = reader.amount(money.get("amount"), field=key, default=ZERO)
        if amount:
            reader.note(
                _("%(what)s of %(amount)s are not mapped.") % {"what": what, "amount": amount}
            )
    codes = [
        str(code.get("code"))
        for code in payload.get("discount_codes") or []
        if isinstance(code, dict) and code.get("code")
    ]
    if codes:
        reader.note(_("Discount codes used on Shopify: %(codes)s.") % {"codes": ", ".join(codes)})
    if payload.get("note"):
        reader.note(_("The customer's note on Shopify: %(note)s") % {"note": payload["note"]})
    if payload.get("test"):
        reader.note(_("Shopify marks this as a test order."))


def _customer_read(reader: PayloadReader, payload: dict) -> dict[str, str]:
    customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
    address = _address_source(payload) or {}
    email = reader.email(
        payload.get("email") or payload.get("contact_email") or customer.get("email"),
        field="email",
    )
    name = (
        joined_name(customer.get("first_name"), customer.get("last_name"))
        or str(address.get("name") or "").strip()
        or joined_name(address.get("first_name"), address.get("last_name"))
        or email
    )
    phone = payload.get("phone") or customer.get("phone") or address.get("phone") or ""
    return {
        "email": email,
        "name": reader.text(name, limit=PERSON_NAME_LIMIT, what=_("The customer's name")),
        "phone": reader.text(phone, limit=PHONE_LIMIT, what=_("The customer's phone number")),
    }


def _address_source(payload: dict) -> dict | None:
    for key in ("shipping_address", "billing_address"):
        if isinstance(payload.get(key), dict) and payload[key].get("address1"):
            return payload[key]
    return None


def _address_read(
    reader: PayloadReader, payload: dict, *, customer: dict[str, str]
) -> dict[str, str]:
    source = _address_source(payload)
    if source is None:
        raise reader.refuse(
            _(
                "The Shopify order has no shipping address (nor a billing address to ship to); "
                "our orders are shipped to an address."
            ),
            field="shipping_address",
        )
    where = "shipping_address"
    if source is not payload.get("shipping_address"):
        where = "billing_address"
        reader.note(_("Shopify sent no shipping address; the billing address is used."))
    if source.get("company"):
        reader.note(_("The company %(company)s is not mapped.") % {"company": source["company"]})
    return reader.address(
        {
            "name": str(source.get("name") or "").strip()
            or joined_name(source.get("first_name"), source.get("last_name"))
            or customer["name"],
            "line1": source.get("address1"),
            "line2": source.get("address2"),
            "city": source.get("city"),
            "province": source.get("province_code") or source.get("province"),
            "postal_code": source.get("zip"),
            "country": source.get("country_code"),
            "phone": source.get("phone") or customer["phone"],
        },
        where=where,
    )


def _payment_method(payload: dict) -> str:
    names = [str(name) for name in payload.get("payment_gateway_names") or [] if name]
    if payload.get("gateway"):
        names.append(str(payload["gateway"]))
    lowered = [name.casefold() for name in names]
    if any("cash on delivery" in name or COD_WORD.search(name) for name in lowered):
        return "cod"
    if any(gateway in name for name in lowered for gateway in INVOICE_GATEWAYS):
        return "invoice"
    return "card"


def _payment_read(reader: PayloadReader, payload: dict, *, total: Decimal) -> tuple[str, Decimal]:
    financial_status = str(payload.get("financial_status") or "").strip()
    status = PAYMENT_STATUSES.get(financial_status)
    if status is None:
        status = "unpaid"
        reader.note(
            _("Shopify's payment state %(state)r is read as unpaid.") % {"state": financial_status}
        )
    refunded = ZERO
    for number, refund in enumerate(reader.objects(payload.get("refunds"), field="refunds")):
        transactions = reader.objects(
            refund.get("transactions"), field=f"refunds[{number}].transactions"
        )
        for index, transaction in enumerate(transactions):
            if transaction.get("kind") != "refund" or transaction.get("status") != "success":
                continue
            where = f"refunds[{number}].transactions[{index}].amount"
            sent_currency = str(transaction.get("currency") or reader.currency).upper()
            if sent_currency != reader.currency:
                reader.note(
                    _("A refund of %(amount)s %(currency)s is not counted (not in %(ours)s).")
                    % {
                        "amount": transaction.get("amount"),
                        "currency": sent_currency,
                        "ours": reader.currency,
                    }
                )
                continue
            refunded += reader.amount(transaction.get("amount"), field=where)
    if status == "refunded" and not refunded:
        refunded = total  # refunded in full, though the body lists no refund transaction
    return status, refunded


def _cancel_reason(payload: dict) -> str:
    reason = str(payload.get("cancel_reason") or "").strip()
    if not reason:
        return _("Cancelled on Shopify.")
    text = _("Cancelled on Shopify: %(reason)s.") % {
        "reason": _(CANCEL_REASONS[reason]) if reason in CANCEL_REASONS else reason
    }
    return text[:CANCEL_REASON_LIMIT]
