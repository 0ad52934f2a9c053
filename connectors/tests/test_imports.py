"""Orders imported from CSV and XLSX files: good orders in, bad rows reported, nothing twice."""

import io
from decimal import Decimal

import openpyxl
import pytest

from connectors.import_files import ImportFileError, order_file_read
from connectors.import_jobs import import_file_run
from connectors.imports import import_check
from customers.models import Address, Customer
from orders.models import Order, OrderEvent, OrderLine, PaymentStatus
from orders.tests.factories import StorefrontFactory
from reports.ledger import ledger_balance
from reports.models import LedgerEntry, LedgerKind

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,customer_email,customer_name,customer_phone,ship_name,ship_line1,ship_line2,"
    "ship_city,ship_postal_code,ship_country,sku,name,quantity,unit_price,category,"
    "shipping_price,payment_method,payment_status"
)


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


# Rows 2-3: order A-1 (two lines, paid by card); row 4: A-2 (cash on delivery);
# rows 5-6: A-3, whose second line has a quantity of 1.5 (row 6).
GOOD_AND_BAD = csv_bytes(
    "A-1,an@example.com,An Nguyen,0901,An Nguyen,1 Le Loi,,HCMC,70000,VN,"
    "MUG-1,Mug,2,150000,,30000,card,paid",
    "A-1,,,,,,,,,,TEE-1,T-shirt,1,200000,clothes,,,",
    "A-2,binh@example.com,Binh Tran,,,2 Hai Ba Trung,,Hanoi,,vn,MUG-1,Mug,1,150000,,0,COD,",
    "A-3,chi@example.com,Chi Le,,,3 Tran Phu,,Da Nang,,VN,MUG-1,Mug,1,150000,,20000,card,paid",
    "A-3,,,,,,,,,,TEE-1,T-shirt,1.5,200000,,,,",
)


@pytest.fixture
def shop():
    return StorefrontFactory(code="imp", currency="VND")


def run(content: bytes, shop, name: str = "orders.csv"):
    order_file = order_file_read(content, name=name)
    return import_file_run(order_file=order_file, content=content, storefront=shop)


def test_a_bad_row_refuses_its_order_only_and_is_reported_by_its_row_number(shop):
    job, result = run(GOOD_AND_BAD, shop)

    assert (result.created, result.existing, result.refused) == (2, 0, 1)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"A-1", "A-2"}
    # Nothing of A-3 was written: no order, and not its customer or address either.
    assert not Customer.objects.filter(email="chi@example.com").exists()
    assert not Address.objects.filter(line1="3 Tran Phu").exists()
    errors = {(error.row, error.field): error.message for error in result.row_errors}
    assert errors[(6, "quantity")] == "Must be a whole number above 0."
    assert errors[(5, "")] == "Not imported: row 6 of the same order is wrong."
    assert len(errors) == 2
    assert "row 6 (external_id A-3): quantity: Must be" in str(result.row_errors[1])
    job.refresh_from_db()
    assert (job.orders_created, job.orders_existing, job.orders_failed) == (2, 0, 1)
    assert job.row_errors[0]["row"] == 5
    assert job.status == "done"


def test_the_first_row_gives_the_order_and_later_rows_add_lines(shop):
    run(GOOD_AND_BAD, shop)

    order = Order.objects.get(external_id="A-1")
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    assert [(line.sku, line.quantity, line.unit_price) for line in lines] == [
        ("MUG-1", 2, Decimal("150000.00")),
        ("TEE-1", 1, Decimal("200000.00")),
    ]
    assert lines[1].category == "clothes"
    assert order.shipping_price == Decimal("30000.00")
    # The total equals the lines plus shipping.
    assert order.total == sum(line.line_total for line in lines) + order.shipping_price
    assert order.total == Decimal("530000.00")
    assert order.customer.email == "an@example.com"
    assert order.shipping_address.postal_code == "70000"
    assert order.payment_status == PaymentStatus.PAID
    cod = Order.objects.get(external_id="A-2")
    # Method and country as written in any case; the recipient is the customer if unnamed.
    assert (cod.payment_method, cod.payment_status) == ("cod", "unpaid")
    assert cod.shipping_address.country == "VN"
    assert cod.shipping_address.name == "Binh Tran"
    created = OrderEvent.objects.get(order=order, event_type="created")
    assert created.note == "Imported from orders.csv"


def test_the_ledger_equals_the_payment_fields_of_every_imported_order(shop):
    run(GOOD_AND_BAD, shop)

    for order in Order.objects.all():
        assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid
        assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded
    paid = Order.objects.get(external_id="A-1")
    assert paid.amount_paid == paid.total == Decimal("530000.00")
    assert Order.objects.get(external_id="A-2").amount_paid == 0


def test_a_file_imported_twice_creates_nothing_new(shop):
    run(GOOD_AND_BAD, shop)
    counts = (
        Order.objects.count(),
        Customer.objects.count(),
        Address.objects.count(),
        LedgerEntry.objects.count(),
    )

    _job, result = run(GOOD_AND_BAD, shop)

    assert (result.created, result.existing, result.refused) == (0, 2, 1)
    assert counts == (
        Order.objects.count(),
        Customer.objects.count(),
        Address.objects.count(),
        LedgerEntry.objects.count(),
    )


def test_a_check_writes_nothing_and_says_what_an_import_would_do(shop):
    run(csv_bytes(GOOD_AND_BAD.decode().splitlines()[3]), shop)  # A-2 exists already
    before = (Order.objects.count(), Customer.objects.count(), Address.objects.count())

    check = import_check(order_file_read(GOOD_AND_BAD, name="orders.csv"), storefront=shop)

    assert [order.external_id for order in check.to_create] == ["A-1"]
    assert [order.external_id for order in check.existing] == ["A-2"]
    assert [order.external_id for order in check.refused] == ["A-3"]
    assert check.to_create[0].total == Decimal("530000.00")
    assert before == (Order.objects.count(), Customer.objects.count(), Address.objects.count())


def test_an_xlsx_file_with_numbers_as_excel_stores_them_is_imported(shop):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([f" {column.upper()} " for column in HEADER.split(",")])
    # Excel gives numbers: a postal code as an integer, a quantity as 2.0, prices as floats.
    sheet.append(
        [
            *("X-1", "an@example.com", "An", None, None, "1 Le Loi", None, "HCMC", 70000, "VN"),
            *("MUG-1", "Mug", 2.0, 150000.0, None, 30000, "card", "paid"),
        ]
    )
    sheet.append([None] * 18)  # an empty row is skipped, and still counted
    sheet.append(
        [
            *("X-2", "b@example.com", "B", None, None, "2 Road", None, "Hanoi", None, "VN"),
            *("MUG-1", "Mug", 2.5, 150000, None, 0, "card", None),
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    _job, result = run(buffer.getvalue(), shop, name="orders.xlsx")

    order = Order.objects.get(external_id="X-1")
    assert order.total == Decimal("330000.00")
    assert order.shipping_address.postal_code == "70000"
    assert [str(error) for error in result.row_errors] == [
        "row 4 (external_id X-2): quantity: Must be a whole number above 0."
    ]


def test_rows_of_one_order_need_not_be_adjacent_but_must_agree(shop):
    content = csv_bytes(
        "B-1,an@example.com,An,,,1 Le Loi,,HCMC,,VN,MUG-1,Mug,1,150000,,0,card,",
        "B-2,b@example.com,B,,,2 Road,,Hanoi,,VN,MUG-1,Mug,1,150000,,0,card,",
        "B-1,,,,,,,,,,TEE-1,T-shirt,1,200000,,,,",
        "B-2,other@example.com,B,,,2 Road,,Hanoi,,VN,TEE-1,T-shirt,1,200000,,,,",
    )

    _job, result = run(content, shop)

    assert Order.objects.get(external_id="B-1").lines.count() == 2
    assert not Order.objects.filter(external_id="B-2").exists()
    assert [(error.row, error.field) for error in result.row_errors] == [
        (3, ""),
        (5, "customer_email"),
    ]
    assert "Differs from row 3" in result.row_errors[1].message


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"unit_price": "1.5"}, "unit_price"),  # VND has no decimals
        ({"unit_price": "abc"}, "unit_price"),
        ({"quantity": "0"}, "quantity"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"payment_status": "refunded"}, "payment_status"),
        ({"ship_country": "VNM"}, "ship_country"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"sku": ""}, "sku"),
        ({"shipping_price": "-1"}, "shipping_price"),
        ({"customer_name": "x" * 201}, "customer_name"),
    ],
)
def test_each_bad_value_is_reported_on_its_column(shop, cells, field):
    values = dict.fromkeys(HEADER.split(","), "")
    values.update(
        external_id="C-1",
        customer_email="an@example.com",
        customer_name="An",
        ship_line1="1 Le Loi",
        ship_city="HCMC",
        ship_country="VN",
        sku="MUG-1",
        name="Mug",
        quantity="1",
        unit_price="150000",
        payment_method="card",
    )
    values.update(cells)
    content = csv_bytes(",".join(values.values()))

    check = import_check(order_file_read(content, name="o.csv"), storefront=shop)

    assert [(error.row, error.field) for error in check.row_errors()] == [(2, field)]


def test_optional_columns_are_read_and_unknown_ones_ignored_with_a_note(shop):
    header = "Notes," + HEADER.upper() + ",ship_province,discount_total,tax_total"
    content = csv_bytes(
        "hi,D-1,an@example.com,An,,,1 Le Loi,,HCMC,,VN,"
        "MUG-1,Mug,2,150000,,30000,card,paid,HCM,50000,10000",
        header=header,
    )
    order_file = order_file_read(content, name="o.csv")
    assert order_file.notes == ["Columns ignored (not part of an order import): notes."]

    run(content, shop)

    order = Order.objects.get(external_id="D-1")
    assert order.shipping_address.province == "HCM"
    assert (order.discount_total, order.tax_total) == (Decimal("50000.00"), Decimal("10000.00"))
    assert order.total == Decimal("300000.00") - 50000 + 30000 + 10000
    assert ledger_balance(order, LedgerKind.REVENUE) == order.amount_paid == order.total


def test_a_blank_line_in_a_csv_keeps_the_row_numbers_a_spreadsheet_shows(shop):
    content = csv_bytes(
        "E-1,an@example.com,An,,,1 Le Loi,,HCMC,,VN,MUG-1,Mug,1,150000,,0,card,",
        "",
        "E-2,an@example.com,An,,,1 Le Loi,,HCMC,,VN,MUG-1,Mug,x,150000,,0,card,",
    )

    check = import_check(order_file_read(content, name="o.csv"), storefront=shop)

    assert [(error.row, error.field) for error in check.row_errors()] == [(4, "quantity")]


def test_a_csv_separated_by_semicolons_is_read_too(shop):
    content = GOOD_AND_BAD.decode().replace(",", ";").encode()

    check = import_check(order_file_read(content, name="o.csv"), storefront=shop)

    assert [order.external_id for order in check.to_create] == ["A-1", "A-2"]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"external_id,sku\nA,B\n", "o.csv", "missing: customer_email"),
        (b"", "o.csv", "The file is empty"),
        (b"\xff\xfe\x00bad", "o.csv", "not UTF-8"),
        (b"not a zip", "o.xlsx", "not an XLSX file"),
        (b"x", "o.txt", "Only .csv and .xlsx"),
        (HEADER.encode() + b"\nA,b,c,,,,,,,,,,,,,,,,,extra,cells\n", "o.csv", "more cells"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_whole(content, name, message):
    with pytest.raises(ImportFileError, match=message):
        order_file_read(content, name=name)


def test_too_many_rows_are_refused(shop, monkeypatch):
    monkeypatch.setattr("connectors.import_files.MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="at most 2"):
        order_file_read(GOOD_AND_BAD, name="o.csv")


def test_an_order_already_there_is_left_alone_even_if_its_rows_are_now_wrong(shop):
    run(GOOD_AND_BAD, shop)
    edited = GOOD_AND_BAD.replace(b"TEE-1,T-shirt,1,200000", b"TEE-1,T-shirt,x,200000")

    check = import_check(order_file_read(edited, name="o.csv"), storefront=shop)

    assert [order.external_id for order in check.existing] == ["A-1", "A-2"]
    assert [order.external_id for order in check.refused] == ["A-3"]
    assert {error.external_id for error in check.row_errors()} == {"A-3"}


def test_a_later_row_may_write_the_e_mail_in_another_case(shop):
    content = csv_bytes(
        "F-1,an@example.com,An,,,1 Le Loi,,HCMC,,VN,MUG-1,Mug,1,150000,,0,card,",
        "F-1,AN@Example.com,An,,,1 Le Loi,,HCMC,,vn,TEE-1,T-shirt,1,200000,,,CARD,unpaid",
    )

    check = import_check(order_file_read(content, name="o.csv"), storefront=shop)

    assert check.row_errors() == []
    assert len(check.to_create[0].lines) == 2


def test_a_file_may_leave_out_the_columns_whose_cells_may_be_empty(shop):
    content = (
        b"external_id,customer_email,customer_name,ship_line1,ship_city,ship_country,"
        b"sku,name,quantity,unit_price,payment_method\n"
        b"M-1,an@example.com,An,1 Le Loi,Hue,VN,TEA-1,Tea,2,50000,cod\n"
    )

    _job, result = run(content, shop)

    order = Order.objects.get(storefront=shop, external_id="M-1")
    assert result.created == 1
    assert order.total == Decimal("100000")  # no shipping column: no shipping price
    assert order.payment_status == PaymentStatus.UNPAID
    assert order.lines.get().category == ""
