"""A WooCommerce order body becomes our order's fields; our total equals Woo's to the cent."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors import woocommerce
from connectors.platform_orders import PlatformPayloadError
from connectors.tests.payloads import payload_load
from orders.services import order_total_compute


def our_total(order) -> Decimal:
    fields = order.create_fields()
    return order_total_compute(
        subtotal=sum(line["unit_price"] * line["quantity"] for line in fields["lines"]),
        shipping_price=fields["shipping_price"],
        discount_total=fields["discount_total"],
        tax_total=fields["tax_total"],
        taxes_included=fields["taxes_included"],
    )


def test_processing_order_without_tax_in_prices_adds_the_tax_to_the_cent():
    order = woocommerce.order_read(payload_load("woocommerce_order_processing"), currency="USD")

    assert order.platform_order_id == "4821"
    assert order.platform_reference == "4821"
    assert order.lines == [
        {
            "sku": "HOOD-BLU-L",
            "name": "Hoodie \N{EN DASH} Blue, L",  # WooCommerce's "&ndash;" read as the character
            "quantity": 2,
            "unit_price": Decimal("45.00"),
            "category": "",
        },
        {
            "sku": "BEANIE-GRY",
            "name": "Beanie",
            "quantity": 1,
            "unit_price": Decimal("18.00"),
            "category": "",
        },
    ]
    assert order.discount_total == Decimal("10.80")  # before tax; its tax is in total_tax
    assert order.shipping_price == Decimal("10.00")
    assert order.tax_total == Decimal("10.72")
    assert order.taxes_included is False
    assert order.total == our_total(order) == Decimal("117.92")
    assert order.payment_method == "card"
    assert order.payment_status == "paid"
    assert order.updated_at == datetime(2026, 12, 5, 16, 20, 14, tzinfo=UTC)
    assert order.customer == {
        "email": "emma.johnson@example.com",
        "name": "Emma Johnson",
        "phone": "(541) 555-0199",
    }
    assert order.shipping_address == {
        "name": "Emma Johnson",
        "line1": "742 Evergreen Terrace",
        "line2": "Unit 3",
        "city": "Springfield",
        "province": "OR",
        "postal_code": "97477",
        "country": "US",
        "phone": "(541) 555-0199",
    }


def test_prices_including_tax_give_unit_prices_discount_and_shipping_with_tax():
    order = woocommerce.order_read(
        payload_load("woocommerce_order_prices_include_tax"), currency="EUR"
    )

    assert [(line["sku"], line["quantity"], line["unit_price"]) for line in order.lines] == [
        ("KISSEN-LEIN-50", 2, Decimal("24.00")),  # (40.00 + 8.00) / 2
        ("TUCH-01", 1, Decimal("9.99")),  # 8.32 + 1.67
    ]
    assert order.discount_total == Decimal("5.00")  # 4.17 + 0.83 tax
    assert order.shipping_price == Decimal("6.00")  # 5.00 + 1.00 tax
    assert order.taxes_included is True
    assert order.tax_total == Decimal("9.84")
    assert order.total == our_total(order) == Decimal("58.99")
    assert order.payment_status == "paid"
    assert order.shipping_address["province"] == "BE"
    assert order.shipping_address["country"] == "DE"
    assert "The company Becker Design GmbH is not mapped." in order.notes


def test_cash_on_delivery_in_vnd_is_unpaid_cod():
    order = woocommerce.order_read(payload_load("woocommerce_order_cod"), currency="VND")

    assert order.payment_method == "cod"
    assert order.payment_status == "unpaid"
    assert order.total == our_total(order) == Decimal("300000")
    assert order.shipping_price == Decimal("25000")
    assert order.customer["email"] == "binh.tran@example.vn"
    assert order.shipping_address["province"] == "Thành phố Hồ Chí Minh"
    assert order.shipping_address["country"] == "VN"
    assert "The customer's note on WooCommerce: Giao giờ hành chính giúp em" in order.notes


def test_cash_on_delivery_marked_paid_by_woocommerce_stays_unpaid_until_collected():
    payload = payload_load("woocommerce_order_cod")
    payload["status"] = "completed"
    payload["date_paid"] = payload["date_paid_gmt"] = "2026-12-06T10:00:00"

    order = woocommerce.order_read(payload, currency="VND")

    assert order.payment_status == "unpaid"
    assert any("collected on delivery" in note for note in order.notes)


def test_refunded_order_counts_every_refund():
    order = woocommerce.order_read(payload_load("woocommerce_order_refunded"), currency="USD")

    assert order.payment_status == "refunded"
    assert order.amount_refunded == Decimal("54.00")
    assert order.arrival_payment_status == "paid"


def test_a_refund_on_an_order_still_completed_is_a_partial_refund():
    payload = payload_load("woocommerce_order_refunded")
    payload["status"] = "completed"
    payload["refunds"] = [{"id": 4992, "reason": "Damaged scarf", "total": "-24.00"}]

    order = woocommerce.order_read(payload, currency="USD")

    assert order.payment_status == "partially_refunded"
    assert order.amount_refunded == Decimal("24.00")


@pytest.mark.parametrize(
    ("status", "date_paid", "ours"),
    [
        ("pending", None, "unpaid"),
        ("on-hold", None, "unpaid"),
        ("failed", None, "unpaid"),
        ("processing", None, "paid"),
        ("completed", None, "paid"),
        ("cancelled", None, "unpaid"),
        ("cancelled", "2026-12-05T08:20:14", "paid"),
    ],
)
def test_status_and_date_paid_give_the_payment_state(status, date_paid, ours):
    payload = payload_load("woocommerce_order_processing")
    payload["status"] = status
    payload["date_paid"] = date_paid

    assert woocommerce.order_read(payload, currency="USD").payment_status == ours


@pytest.mark.parametrize(
    ("method", "ours"),
    [("cod", "cod"), ("bacs", "invoice"), ("cheque", "invoice"), ("stripe", "card"), ("", "card")],
)
def test_payment_method_maps_onto_ours(method, ours):
    payload = payload_load("woocommerce_order_processing")
    payload["payment_method"] = method

    assert woocommerce.order_read(payload, currency="USD").payment_method == ours


@pytest.mark.parametrize(("status", "cancelled"), [("cancelled", True), ("trash", True)])
def test_cancelled_or_trashed_orders_are_cancelled(status, cancelled):
    payload = payload_load("woocommerce_order_processing")
    payload["status"] = status

    order = woocommerce.order_read(payload, currency="USD")

    assert order.cancelled is cancelled
    assert "WooCommerce" in order.cancel_reason


def test_deleted_order_body_gives_its_id():
    assert woocommerce.deleted_order_id({"id": 4821}) == "4821"
    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.deleted_order_id({})
    assert refused.value.field == "id"


def test_a_negative_fee_counts_as_a_discount():
    payload = payload_load("woocommerce_order_processing")
    payload["fee_lines"] = [
        {"id": 1206, "name": "Loyalty credit", "tax_class": "", "tax_status": "none",
         "amount": "-5", "total": "-5.00", "total_tax": "0.00", "taxes": [], "meta_data": []}
    ]  # fmt: skip
    payload["total"] = "112.92"

    order = woocommerce.order_read(payload, currency="USD")

    assert order.discount_total == Decimal("15.80")
    assert order.total == our_total(order) == Decimal("112.92")


def test_a_positive_fee_is_refused_as_not_mapped():
    payload = payload_load("woocommerce_order_processing")
    payload["fee_lines"] = [
        {"id": 1206, "name": "Gift wrapping", "tax_class": "", "tax_status": "none",
         "amount": "3", "total": "3.00", "total_tax": "0.00", "taxes": [], "meta_data": []}
    ]  # fmt: skip
    payload["total"] = "120.92"

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "fee_lines[0]"
    assert "Gift wrapping" in refused.value.message


def test_a_line_without_sku_is_kept_under_its_variation_or_product():
    payload = payload_load("woocommerce_order_processing")
    payload["line_items"][0]["sku"] = ""
    payload["line_items"][1]["sku"] = ""

    order = woocommerce.order_read(payload, currency="USD")

    assert [line["sku"] for line in order.lines] == ["variation-318", "product-322"]
    assert any("has no SKU on WooCommerce" in note for note in order.notes)


def test_a_line_that_does_not_divide_into_cents_is_refused():
    payload = payload_load("woocommerce_order_refunded")
    payload["status"] = "processing"
    payload["refunds"] = []
    payload["line_items"][0]["quantity"] = 3  # 48.00 for 3 is 16.00: fine
    order = woocommerce.order_read(payload, currency="USD")
    assert order.lines[0]["unit_price"] == Decimal("16.00")

    payload["line_items"][0]["quantity"] = 7  # 48.00 / 7 is not a price in cents

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "line_items[0].subtotal"
    assert "does not divide" in refused.value.message


def test_another_currency_is_refused_naming_both():
    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload_load("woocommerce_order_processing"), currency="VND")

    assert refused.value.field == "currency"
    assert refused.value.message == "This storefront sells in VND; the order is in USD."


def test_amounts_that_do_not_add_up_are_refused_naming_both_totals():
    payload = payload_load("woocommerce_order_processing")
    payload["total"] = "120.00"

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "total"
    assert "117.92" in refused.value.message
    assert "120.00" in refused.value.message


def test_missing_billing_email_is_refused():
    payload = payload_load("woocommerce_order_processing")
    payload["billing"]["email"] = ""

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "billing.email"


def test_an_invalid_email_is_refused():
    payload = payload_load("woocommerce_order_processing")
    payload["billing"]["email"] = "emma at example"

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "billing.email"


def test_billing_address_ships_when_the_shipping_address_is_empty():
    payload = payload_load("woocommerce_order_processing")
    payload["shipping"] = {key: "" for key in payload["shipping"]}

    order = woocommerce.order_read(payload, currency="USD")

    assert order.shipping_address["line1"] == "742 Evergreen Terrace"
    assert order.shipping_address["line2"] == ""
    assert "WooCommerce sent no shipping address; the billing address is used." in order.notes


def test_shipping_address_without_country_is_refused():
    payload = payload_load("woocommerce_order_processing")
    payload["shipping"]["country"] = ""

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="USD")

    assert refused.value.field == "shipping.country"


def test_amounts_in_vnd_with_decimals_are_refused():
    payload = payload_load("woocommerce_order_cod")
    payload["shipping_lines"][0]["total"] = "25000.5"

    with pytest.raises(PlatformPayloadError) as refused:
        woocommerce.order_read(payload, currency="VND")

    assert refused.value.field == "shipping_lines[0].total"


def test_a_status_added_by_a_plugin_is_said_in_the_notes():
    payload = payload_load("woocommerce_order_processing")
    payload["status"] = "checkout-draft"
    payload["date_paid"] = None

    order = woocommerce.order_read(payload, currency="USD")

    assert order.cancelled is False
    assert order.payment_status == "unpaid"
    assert any("'checkout-draft' is not one we know" in note for note in order.notes)
