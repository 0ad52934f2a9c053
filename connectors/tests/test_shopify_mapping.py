"""A Shopify order body becomes our order's fields; our total equals Shopify's to the cent."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors import shopify
from connectors.platform_orders import PlatformPayloadError
from connectors.tests.payloads import payload_load
from orders.services import order_total_compute


def our_total(order) -> Decimal:
    """What orders.services computes from the mapped fields (the rule every order follows)."""
    fields = order.create_fields()
    return order_total_compute(
        subtotal=sum(line["unit_price"] * line["quantity"] for line in fields["lines"]),
        shipping_price=fields["shipping_price"],
        discount_total=fields["discount_total"],
        tax_total=fields["tax_total"],
        taxes_included=fields["taxes_included"],
    )


def test_paid_order_keeps_lines_discounts_shipping_and_added_tax_to_the_cent():
    order = shopify.order_read(payload_load("shopify_order_paid"), currency="USD")

    assert order.platform_order_id == "6512003334455"
    assert order.platform_reference == "#1042"
    assert order.lines == [
        {
            "sku": "AERO-01",
            "name": "AeroPress Coffee Maker",
            "quantity": 2,
            "unit_price": Decimal("39.95"),
            "category": "",
        },
        {
            "sku": "BEAN-ETH-250",
            "name": "Ethiopia Yirgacheffe - 250 g",
            "quantity": 3,
            "unit_price": Decimal("14.50"),
            "category": "",
        },
    ]
    # The line's own 5.00 and the code's 10.00 spread over both lines.
    assert order.discount_total == Decimal("15.00")
    assert order.shipping_price == Decimal("8.00")
    assert order.tax_total == Decimal("8.67")
    assert order.taxes_included is False
    assert order.total == Decimal("125.07")
    assert our_total(order) == Decimal("125.07")
    assert order.payment_method == "card"
    assert order.payment_status == "paid"
    assert order.amount_refunded == Decimal("0.00")
    assert order.cancelled is False
    assert order.updated_at == datetime(2026, 12, 5, 14, 12, 47, tzinfo=UTC)
    assert "Discount codes used on Shopify: WELCOME10." in order.notes


def test_customer_and_shipping_address_with_province_code_and_country_code():
    order = shopify.order_read(payload_load("shopify_order_paid"), currency="USD")

    assert order.customer == {
        "email": "maria.lopez@example.com",
        "name": "Maria Lopez",
        "phone": "+1 212-555-0147",
    }
    assert order.shipping_address == {
        "name": "Maria Lopez",
        "line1": "350 5th Ave",
        "line2": "Apt 12B",
        "city": "New York",
        "province": "NY",
        "postal_code": "10118",
        "country": "US",
        "phone": "+1 212-555-0147",
    }


def test_cash_on_delivery_in_vnd_with_taxes_included_is_unpaid_cod():
    order = shopify.order_read(payload_load("shopify_order_cod_vnd"), currency="VND")

    assert order.payment_method == "cod"
    assert order.payment_status == "unpaid"
    assert order.arrival_payment_status == "unpaid"
    assert order.currency == "VND"
    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in order.lines] == [
        ("AT-COTTON-M-WHT", 2, Decimal("250000")),
        ("NON-LA-HUE", 1, Decimal("120000")),
    ]
    assert order.discount_total == Decimal("50000")
    assert order.shipping_price == Decimal("30000")
    # VAT is inside the prices: kept to be shown, not added again.
    assert order.taxes_included is True
    assert order.tax_total == Decimal("54545")
    assert order.total == our_total(order) == Decimal("600000")
    assert order.shipping_address["province"] == "VN-HN"
    assert order.shipping_address["country"] == "VN"
    assert order.customer["email"] == "an.nguyen@example.vn"


def test_cancelled_order_with_a_line_without_sku_and_free_shipping():
    order = shopify.order_read(payload_load("shopify_order_cancelled"), currency="USD")

    assert order.cancelled is True
    assert order.cancel_reason == (
        "Cancelled on Shopify: the customer changed or cancelled the order."
    )
    assert order.payment_status == "voided"
    assert order.lines[0]["sku"] == "variant-50001002003201"
    assert any("Gift Wrap Ribbon has no SKU" in note for note in order.notes)
    # The free-shipping code lowers the shipping, not the goods.
    assert order.shipping_price == Decimal("0.00")
    assert order.discount_total == Decimal("0.00")
    assert order.total == our_total(order) == Decimal("40.00")


def test_partial_refund_counts_only_successful_refund_transactions():
    order = shopify.order_read(payload_load("shopify_order_partially_refunded"), currency="USD")

    assert order.payment_status == "partially_refunded"
    assert order.amount_refunded == Decimal("43.50")  # the failed attempt of 43.50 is not counted
    assert order.arrival_payment_status == "paid"
    assert order.total == Decimal("125.07")  # the order's own total, before refunds


@pytest.mark.parametrize(
    ("financial_status", "ours"),
    [
        ("pending", "unpaid"),
        ("partially_paid", "unpaid"),
        ("authorized", "authorized"),
        ("paid", "paid"),
        ("partially_refunded", "partially_refunded"),
        ("refunded", "refunded"),
        ("voided", "voided"),
    ],
)
def test_financial_status_maps_onto_our_payment_states(financial_status, ours):
    payload = payload_load("shopify_order_paid")
    payload["financial_status"] = financial_status

    assert shopify.order_read(payload, currency="USD").payment_status == ours


def test_refunded_without_transactions_in_the_body_counts_the_whole_total():
    payload = payload_load("shopify_order_paid")
    payload["financial_status"] = "refunded"

    assert shopify.order_read(payload, currency="USD").amount_refunded == Decimal("125.07")


@pytest.mark.parametrize(
    ("gateways", "gateway", "method"),
    [
        (["Cash on Delivery (COD)"], None, "cod"),
        (["gift_card", "cash on delivery"], None, "cod"),
        ([], "Cash on Delivery (COD)", "cod"),
        (["Bank Deposit"], None, "invoice"),
        (["Money Order"], None, "invoice"),
        (["manual"], None, "invoice"),
        (["Thanh toán khi nhận hàng (COD)"], None, "cod"),
        (["Codapay"], None, "card"),
        (["shopify_payments"], None, "card"),
        (["paypal"], "paypal", "card"),
    ],
)
def test_gateway_names_give_the_payment_method(gateways, gateway, method):
    payload = payload_load("shopify_order_paid")
    payload["payment_gateway_names"] = gateways
    payload["gateway"] = gateway

    assert shopify.order_read(payload, currency="USD").payment_method == method


def test_another_currency_is_refused_naming_both():
    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload_load("shopify_order_paid"), currency="VND")

    assert refused.value.field == "currency"
    assert refused.value.message == "This storefront sells in VND; the order is in USD."


def test_a_tip_in_shopifys_total_is_refused_naming_both_totals():
    payload = payload_load("shopify_order_paid")
    payload["total_tip_received"] = "5.00"
    payload["total_price"] = "130.07"
    payload["total_price_set"]["shop_money"]["amount"] = "130.07"

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "total_price"
    assert "125.07" in refused.value.message
    assert "130.07" in refused.value.message
    assert "A tip of 5.00 is not mapped." in refused.value.message


def test_missing_email_is_refused():
    payload = payload_load("shopify_order_paid")
    payload["email"] = ""
    payload["contact_email"] = None
    payload["customer"]["email"] = None

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "email"
    assert "no customer e-mail address" in refused.value.message


def test_contact_email_stands_in_for_a_missing_email():
    payload = payload_load("shopify_order_paid")
    payload["email"] = ""
    payload["contact_email"] = "orders@maria.example"

    assert shopify.order_read(payload, currency="USD").customer["email"] == "orders@maria.example"


def test_billing_address_is_used_when_there_is_no_shipping_address():
    payload = payload_load("shopify_order_paid")
    payload["shipping_address"] = None

    order = shopify.order_read(payload, currency="USD")

    assert order.shipping_address["line1"] == "350 5th Ave"
    assert "Shopify sent no shipping address; the billing address is used." in order.notes


def test_no_address_at_all_is_refused():
    payload = payload_load("shopify_order_paid")
    payload["shipping_address"] = None
    payload["billing_address"] = None

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "shipping_address"


def test_address_without_country_code_is_refused():
    payload = payload_load("shopify_order_paid")
    payload["shipping_address"]["country_code"] = None

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "shipping_address.country"


def test_a_price_finer_than_the_currency_is_refused():
    payload = payload_load("shopify_order_cod_vnd")
    payload["line_items"][1]["price"] = "120000.50"
    payload["line_items"][1]["price_set"]["shop_money"]["amount"] = "120000.50"

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="VND")

    assert refused.value.field == "line_items[1].price"
    assert "VND" in refused.value.message


def test_an_amount_sent_as_a_json_float_is_refused():
    payload = payload_load("shopify_order_paid")
    payload["total_price"] = 125.07
    del payload["total_price_set"]

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "total_price"


def test_a_sku_longer_than_ours_is_refused():
    payload = payload_load("shopify_order_paid")
    payload["line_items"][0]["sku"] = "A" * 65

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "line_items[0].sku"


def test_a_long_line_name_is_shortened_and_said_so():
    payload = payload_load("shopify_order_paid")
    payload["line_items"][0]["name"] = "Coffee " * 50

    order = shopify.order_read(payload, currency="USD")

    assert len(order.lines[0]["name"]) == 255
    assert order.lines[0]["name"].endswith("…")
    assert any("shortened to 255 characters" in note for note in order.notes)


def test_line_total_discount_is_read_only_without_allocations():
    payload = payload_load("shopify_order_paid")
    # An app-made order with the discount in both places: counted once.
    payload["line_items"][0]["total_discount"] = "11.47"
    order = shopify.order_read(payload, currency="USD")
    assert order.discount_total == Decimal("15.00")

    payload["line_items"][0]["discount_allocations"] = []
    payload["line_items"][0]["total_discount_set"]["shop_money"]["amount"] = "11.47"
    order = shopify.order_read(payload, currency="USD")
    assert order.discount_total == Decimal("15.00")


def test_two_lines_of_one_sku_at_one_price_become_one_line():
    payload = payload_load("shopify_order_cancelled")
    second = dict(payload["line_items"][1], id=16011223344703, quantity=2)
    payload["line_items"].append(second)
    payload["total_price"] = payload["total_price_set"]["shop_money"]["amount"] = "96.00"

    order = shopify.order_read(payload, currency="USD")

    assert [(line["sku"], line["quantity"]) for line in order.lines] == [
        ("variant-50001002003201", 1),
        ("DRIP-CER-02", 3),
    ]


def test_two_lines_of_one_sku_at_different_prices_are_refused():
    payload = payload_load("shopify_order_cancelled")
    second = dict(payload["line_items"][1], id=16011223344703, price="30.00", price_set=None)
    payload["line_items"].append(second)

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert "DRIP-CER-02" in refused.value.message


def test_create_fields_are_the_order_services_arguments():
    order = shopify.order_read(payload_load("shopify_order_cod_vnd"), currency="VND")

    fields = order.create_fields()

    assert fields["external_id"] == "6512003334466"
    assert fields["platform_reference"] == "#1043"
    assert fields["payment_method"] == "cod"
    assert fields["payment_status"] == "unpaid"
    assert fields["taxes_included"] is True


def test_quantities_removed_on_shopify_since_are_said_not_applied():
    payload = payload_load("shopify_order_paid")
    payload["line_items"][1]["current_quantity"] = 1

    order = shopify.order_read(payload, currency="USD")

    assert order.lines[1]["quantity"] == 3
    assert any("1 of the 3 ordered are left on Shopify" in note for note in order.notes)


def test_line_items_that_are_not_objects_are_refused():
    payload = payload_load("shopify_order_paid")
    payload["line_items"] = ["AERO-01"]

    with pytest.raises(PlatformPayloadError) as refused:
        shopify.order_read(payload, currency="USD")

    assert refused.value.field == "line_items"


def test_an_amount_missing_beside_its_set_is_read_in_the_shop_currency():
    payload = payload_load("shopify_order_paid")
    del payload["total_price"]
    payload["total_price_set"]["presentment_money"] = {"amount": "117.35", "currency_code": "EUR"}

    assert shopify.order_read(payload, currency="USD").total == Decimal("125.07")
