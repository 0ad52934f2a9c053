"""PDF shipping labels and packing slips, read back as a person and a scanner would."""

from datetime import date

import pytest

from fulfillment.labels import (
    PAGE_SIZE,
    PackingSlip,
    Party,
    ShippingLabel,
    SlipLine,
    _barcode,
    papers_pdf,
)
from fulfillment.models import Shipment
from fulfillment.paper_selectors import order_papers, package_slip_paper, shipment_labels
from fulfillment.services import package_create, shipment_create
from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus
from orders.tests.factories import CarrierFactory, StorefrontFactory, order_in_state

from .pdfs import page_barcodes, page_sizes, page_texts

pytestmark = pytest.mark.django_db

FOUR_BY_SIX = (288.0, 432.0)


def storefront_with_sender(**kwargs):
    return StorefrontFactory(
        name="Cửa hàng Hoa Sen",
        sender_name="Kho Hoa Sen",
        sender_address="45 Nguyễn Huệ, Phường Bến Nghé\nQuận 1, TP. Hồ Chí Minh",
        sender_phone="+84 28 3822 0000",
        **kwargs,
    )


def packed_in_two_boxes(*, tracking_number="GHN123456789VN", **kwargs) -> Order:
    """An order packed as two packages (2 mugs; 1 tea) booked in one shipment."""
    order = order_in_state(OrderStatus.PACKING, **kwargs)
    package_create(
        order=order, lines=[{"sku": "MUG-1", "quantity": 2}], weight_grams=800, actor=None
    )
    package_create(
        order=order, lines=[{"sku": "TEA-7", "quantity": 1}], weight_grams=400, actor=None
    )
    shipment_create(
        order=order,
        carrier_code=CarrierFactory().code,
        tracking_number=tracking_number,
        package_ids=list(order.packages.values_list("pk", flat=True)),
        actor=None,
    )
    return Order.objects.get(pk=order.pk)


def test_a_label_is_4x6_per_package_with_sender_recipient_order_carrier_and_decodable_barcode():
    order = packed_in_two_boxes(storefront=storefront_with_sender())
    Order.objects.filter(pk=order.pk).update(platform_reference="#1001")
    shipment = order.shipments.get()

    pdf = papers_pdf(shipment_labels(shipment.pk))

    assert page_sizes(pdf) == [FOUR_BY_SIX, FOUR_BY_SIX] == [PAGE_SIZE, PAGE_SIZE]
    first, second = page_texts(pdf)
    for expected in [
        "Kho Hoa Sen",
        "45 Nguyễn Huệ, Phường Bến Nghé",
        "Quận 1, TP. Hồ Chí Minh",
        "+84 28 3822 0000",
        "Nguyễn Thị Lan",
        "12 Lê Lợi",
        "TP. Hồ Chí Minh 700000",
        "Vietnam",
        "+84901234567",  # no phone on the address: the customer's
        f"Order {order.number}",
        "Shop ref. #1001",
        "Giao Hàng Nhanh",
        "GHN123456789VN",
        "Package 1 of 2 · 800 g (shipment 1200 g)",
    ]:
        assert expected in first, expected
    assert "Package 2 of 2 · 400 g (shipment 1200 g)" in second
    assert page_barcodes(pdf) == [[("Code128", "GHN123456789VN")]] * 2


def test_a_cash_on_delivery_label_shows_the_balance_to_collect_on_one_shipment_only():
    order = order_in_state(OrderStatus.PACKING)  # COD, unpaid: the whole total is due
    for sku, quantity, tracking in [("MUG-1", 2, "GHN-FIRST"), ("TEA-7", 1, "GHN-SECOND")]:
        package = package_create(
            order=order, lines=[{"sku": sku, "quantity": quantity}], weight_grams=500, actor=None
        )
        shipment_create(
            order=order,
            carrier_code=CarrierFactory().code,
            tracking_number=tracking,
            package_ids=[package.pk],
            actor=None,
        )
    order.refresh_from_db()
    first, second = order.shipments.order_by("id")

    (first_text,) = page_texts(papers_pdf(shipment_labels(first.pk)))
    (second_text,) = page_texts(papers_pdf(shipment_labels(second.pk)))

    assert order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    assert "COD ₫355,001" in first_text  # 2 x 120,000 + 85,001 + 30,000 shipping
    assert "₫355,001" not in second_text
    assert "COD: collected with GHN-FIRST" in second_text


def test_a_paid_order_label_asks_for_no_money():
    order = packed_in_two_boxes(
        payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID
    )

    texts = page_texts(papers_pdf(shipment_labels(order.shipments.get().pk)))

    assert all("COD" not in text for text in texts)


def test_the_sender_is_the_storefront_when_it_names_no_sender():
    order = packed_in_two_boxes(storefront=StorefrontFactory(name="Tiệm Trà Đà Lạt"))

    text = page_texts(papers_pdf(shipment_labels(order.shipments.get().pk)))[0]

    assert "Tiệm Trà Đà Lạt" in text


def test_a_long_tracking_number_gets_thinner_bars_that_still_fit_and_decode():
    tracking = "SPXVN0123456789ABCDEFGHIJ9876543"
    order = packed_in_two_boxes(tracking_number=tracking)

    pdf = papers_pdf(shipment_labels(order.shipments.get().pk))

    assert page_barcodes(pdf)[0] == [("Code128", tracking)]
    width = PAGE_SIZE[0] - 20
    assert _barcode(tracking, width=width, height=60).width <= width
    assert _barcode("X" * 100, width=width, height=60).width <= width  # never off the page
    assert _barcode("GHN1", width=width, height=60).barWidth == 1.4  # short: full-size bars


def test_a_packing_slip_has_the_order_barcode_the_packages_lines_and_its_position():
    order = packed_in_two_boxes(storefront=storefront_with_sender())
    second = order.packages.order_by("id")[1]

    pdf = papers_pdf([package_slip_paper(second.pk)])

    assert page_sizes(pdf) == [FOUR_BY_SIX]
    (text,) = page_texts(pdf)
    for expected in [
        "Cửa hàng Hoa Sen",
        "Packing slip",
        f"Order {order.number}",
        "Package 2 of 2",
        "400 g",
        "Customer: Nguyễn Thị Lan",
        "12 Lê Lợi",
        "TEA-7",
        "Tea",
        "Giao Hàng Nhanh GHN123456789VN",
    ]:
        assert expected in text, expected
    assert "MUG-1" not in text  # in the other box
    assert "+84901234567" not in text  # the box does not carry the customer's phone
    assert page_barcodes(pdf) == [[("Code128", order.number)]]


def test_a_long_packing_slip_spans_pages_with_every_line_and_a_page_footer():
    lines = [
        {"sku": f"TEA-{n:02d}", "name": f"Trà Ô Long số {n}", "quantity": 1, "unit_price": "10"}
        for n in range(1, 46)
    ]
    order = order_in_state(OrderStatus.PACKING, lines=lines)
    package = package_create(
        order=order,
        lines=[{"sku": line["sku"], "quantity": 1} for line in lines],
        weight_grams=4500,
        actor=None,
    )

    pdf = papers_pdf([package_slip_paper(package.pk)])

    texts = page_texts(pdf)
    assert len(texts) >= 2
    assert set(page_sizes(pdf)) == {FOUR_BY_SIX}
    everything = "\n".join(texts)
    assert all(f"TEA-{n:02d}" in everything for n in range(1, 46))
    assert "Trà Ô Long số 45" in texts[-1]
    assert "Items in this package" in texts[-1] and "45" in texts[-1]
    for number, text in enumerate(texts, start=1):
        assert f"Order {order.number} · Package 1 of 1 · page {number}" in text


def test_an_orders_papers_are_its_labels_then_its_slips_and_a_handed_over_leg_is_left_out():
    order = packed_in_two_boxes()
    line_haul = order.shipments.get()
    Shipment.objects.filter(pk=line_haul.pk).update(status="handed_over")
    last_mile = Shipment.objects.create(
        order=order, carrier=CarrierFactory(), tracking_number="LASTMILE-1", previous_leg=line_haul
    )
    order.packages.update(shipment=last_mile)

    papers = order_papers(order.number)

    assert [type(paper).__name__ for paper in papers] == [
        "ShippingLabel",
        "ShippingLabel",
        "PackingSlip",
        "PackingSlip",
    ]
    assert {paper.tracking_number for paper in papers[:2]} == {"LASTMILE-1"}
    assert [paper.package_position for paper in papers] == [1, 2, 1, 2]
    assert order_papers("NO-SUCH") is None


def test_papers_escape_what_looks_like_markup_and_mix_labels_and_slips():
    party = Party("Lan <b>&amp; co", ["1 < 2 & 3 > 0"], "")
    label = ShippingLabel(
        sender=party,
        recipient=party,
        order_number="ORD-1",
        carrier_name="VNPost",
        tracking_number="VN1",
        ship_date=date(2026, 12, 5),
    )
    slip = PackingSlip(
        storefront_name="A & B",
        order_number="ORD-1",
        customer_name="<i>x</i>",
        recipient=party,
        package_position=1,
        package_count=1,
        weight_grams=10,
        packed_on=date(2026, 12, 5),
        lines=[SlipLine("<SKU>", "Mug & cup", 1)],
    )

    texts = page_texts(papers_pdf([label, slip, label]))

    assert len(texts) == 3
    assert "Lan <b>&amp; co" in texts[0] and "1 < 2 & 3 > 0" in texts[0]
    assert "<SKU>" in texts[1] and "Mug & cup" in texts[1] and "<i>x</i>" in texts[1]
    with pytest.raises(ValueError):
        papers_pdf([])


def test_an_overlong_address_stays_in_its_band_and_the_barcode_still_reads():
    wordy = Party("Nguyễn Thị Lan " * 6, ["Số 12 ngõ 34 ngách 56 đường Lê Lợi " * 3] * 8, "+849")
    label = ShippingLabel(
        sender=wordy,
        recipient=wordy,
        order_number="ORD-1",
        carrier_name="Viettel Post Chuyển phát nhanh hỏa tốc",
        tracking_number="VTP1234567890",
        ship_date=date(2026, 12, 5),
        cod_amount="₫1,000",
    )

    pdf = papers_pdf([label])

    assert page_sizes(pdf) == [FOUR_BY_SIX]
    assert page_barcodes(pdf) == [[("Code128", "VTP1234567890")]]
    assert "COD ₫1,000" in page_texts(pdf)[0]
