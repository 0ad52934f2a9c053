"""/dashboard/take-order/: customer care takes an order for a customer (phone, chat, counter)."""

import re
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client

from customers.models import Address, Customer
from fulfillment.models import InventoryItem
from notifications.models import NotificationKind
from orders.models import IdempotencyKey, Order, OrderEvent, OrderEventType, OrderStatus
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from orders.tests.factories import StorefrontFactory, user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db

URL = "/dashboard/take-order/"
# Session, user, permissions (2), the storefront, the customers, the SKUs, the header (5:
# the SLA badge, the platform deliveries and tracking updates needing attention...) and the
# storefront lists of the two forms (2); the same for 2 customers or 10.
QUERIES_TO_FIND = 14


@pytest.fixture
def shop():
    return StorefrontFactory(code="lan-shop", name="Lan's Shop", currency="VND")


@pytest.fixture
def care(client):
    user = user_with_role(CUSTOMER_CARE, username="care", first_name="Mai", last_name="Trần")
    client.force_login(user)
    return user


def form_token(response) -> str:
    return re.search(r'name="form_token" value="([0-9a-f]+)"', response.content.decode()).group(1)


def posted(shop, token: str = "a" * 32, *, lines=None, **override) -> dict:
    """The page as customer care fills it in: two lines, a shipping price, COD."""
    data = {
        "storefront": shop.code,
        "channel": "phone",
        "email": "binh@example.com",
        "name": "Trần Văn Bình",
        "phone": "+84 912 000 111",
        "address_name": "",
        "line1": "5 Hai Bà Trưng",
        "line2": "",
        "city": "Hà Nội",
        "postal_code": "100000",
        "country": "vn",
        "address_phone": "",
        "shipping_price": "30000",
        "payment_method": "cod",
        "payment_status": "unpaid",
        "priority": "express",
        "note": "Called at 9:05, wants it before Tết",
        "form_token": token,
    }
    lines = (
        lines
        if lines is not None
        else [("MUG-1", "Mug", "2", "120000"), ("TEA-7", "Tea", "1", "85000")]
    )
    data["lines-TOTAL_FORMS"] = str(len(lines) + 1)  # and one empty row, left out
    data["lines-INITIAL_FORMS"] = "0"
    data["lines-MIN_NUM_FORMS"] = "0"
    data["lines-MAX_NUM_FORMS"] = "100"
    for index, (sku, name, quantity, price) in enumerate([*lines, ("", "", "1", "")]):
        data[f"lines-{index}-sku"] = sku
        data[f"lines-{index}-name"] = name
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
    data.update(override)
    return data


def test_care_takes_a_phone_order_with_its_lines_totals_customer_and_history(client, shop, care):
    page = client.get(URL)
    assert page.status_code == 200

    response = client.post(URL, {**posted(shop, form_token(page)), "action": "create"})

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/orders/{order.number}/"
    assert (order.storefront, order.status, order.currency) == (shop, OrderStatus.RECEIVED, "VND")
    assert order.external_id.startswith("STAFF-") and len(order.external_id) == 16
    assert [
        (line.sku, line.name, line.quantity, line.unit_price, line.line_total)
        for line in order.lines.all()
    ] == [
        ("MUG-1", "Mug", 2, Decimal("120000.00"), Decimal("240000.00")),
        ("TEA-7", "Tea", 1, Decimal("85000.00"), Decimal("85000.00")),
    ]
    assert (order.subtotal, order.shipping_price, order.total) == (
        Decimal("325000.00"),
        Decimal("30000.00"),
        Decimal("355000.00"),
    )
    assert (order.payment_method, order.payment_status, order.priority) == (
        "cod",
        "unpaid",
        "express",
    )
    assert (order.customer.email, order.customer.name, order.customer.phone) == (
        "binh@example.com",
        "Trần Văn Bình",
        "+84 912 000 111",
    )
    address = order.shipping_address
    assert (address.name, address.line1, address.city, address.country, address.phone) == (
        "Trần Văn Bình",
        "5 Hai Bà Trưng",
        "Hà Nội",
        "VN",
        "+84 912 000 111",
    )
    created = OrderEvent.objects.get(order=order)
    assert (created.event_type, created.actor, created.data, created.note) == (
        OrderEventType.CREATED,
        care,
        {"channel": "phone"},
        "Called at 9:05, wants it before Tết",
    )
    assert list(order.notifications.values_list("kind", flat=True)) == [
        NotificationKind.ORDER_RECEIVED
    ]

    detail = client.get(response["Location"]).content.decode()
    assert "Mai Trần" in detail
    assert "Channel: Phone" in detail


def test_the_same_page_sent_twice_creates_one_order(client, shop, care):
    token = form_token(client.get(URL))

    first = client.post(URL, {**posted(shop, token), "action": "create"})
    second = client.post(URL, {**posted(shop, token), "action": "create"})

    order = Order.objects.get()
    assert first["Location"] == second["Location"] == f"/dashboard/orders/{order.number}/"
    assert IdempotencyKey.objects.get().key == f"dashboard-{token}"
    assert order.notifications.count() == 1
    assert "was created once" in client.get(second["Location"]).content.decode()


def test_the_same_token_with_another_order_is_refused_and_creates_nothing_more(client, shop, care):
    token = form_token(client.get(URL))
    client.post(URL, {**posted(shop, token), "action": "create"})

    response = client.post(
        URL, {**posted(shop, token, email="other@example.com"), "action": "create"}
    )

    assert response.status_code == 422
    assert Order.objects.count() == 1


def test_preview_shows_the_totals_in_the_currency_and_writes_nothing(client, shop, care):
    response = client.post(URL, {**posted(shop), "action": "preview"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-total="355000.00"' in html
    assert "₫355,000" in html and "₫240,000" in html
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_preview_fills_empty_names_and_prices_from_inventory_and_the_last_sale(client, shop, care):
    InventoryItem.objects.create(sku="MUG-1", name="Blue mug", location="A-01")
    order_make(storefront=shop)  # sold MUG-1 at 100 on this storefront
    lines = [("MUG-1", "", "3", "")]

    response = client.post(URL, {**posted(shop, lines=lines), "action": "preview"})

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'value="Blue mug"' in html
        and 'name="lines-0-unit_price" id="id_lines-0-unit_price" value="100"' in html
    )
    assert 'data-total="30300.00"' in html
    assert 'data-filled="MUG-1"' in html


def test_sku_suggestions_list_inventory_with_the_last_price(client, shop, care):
    InventoryItem.objects.create(sku="MUG-1", name="Blue mug", location="A-01")
    InventoryItem.objects.create(sku="TEA-7", name="Green tea", location="B-01")
    order_make(storefront=shop)

    page = client.get(f"{URL}?storefront={shop.code}").content.decode()
    typed = client.get(f"{URL}skus/", {"storefront": shop.code, "lines-0-sku": "tea"})

    assert '<option value="MUG-1">Blue mug · ₫100</option>' in page
    assert '<option value="TEA-7">Green tea</option>' in page
    assert typed.content.decode().strip() == '<option value="TEA-7">Green tea</option>'


@pytest.mark.parametrize(
    ("override", "lines", "field", "message"),
    [
        ({"shipping_price": "30000.5"}, None, "shipping_price", "VND amounts have no decimals."),
        (
            {},
            [("MUG-1", "Mug", "1", "99.99")],
            "lines-0-unit_price",
            "VND amounts have no decimals.",
        ),
        ({}, [("MUG-1", "Mug", "0", "100")], "lines-0-quantity", "greater than or equal to 1"),
        ({}, [("MUG-1", "", "1", "100")], "lines-0-name", "Type the item"),
        ({"email": "not-an-address"}, None, "email", "Enter a valid email address."),
        ({"country": "Vietnam"}, None, "country", "two-letter"),
        ({"storefront": "no-such-shop"}, None, "storefront", "Select a valid choice."),
        ({}, [], None, "Add at least one line"),
    ],
    ids=[
        "shipping decimals",
        "price decimals",
        "zero quantity",
        "no name",
        "e-mail",
        "country",
        "storefront",
        "no lines",
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(
    client, shop, care, override, lines, field, message
):
    response = client.post(URL, {**posted(shop, lines=lines, **override), "action": "create"})

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html.replace("&#x27;", "'")
    if field:
        assert f'id="id_{field}"' in html and 'aria-invalid="true"' in html
    assert not Order.objects.exists() and not Customer.objects.exists()


def test_a_usd_storefront_takes_cents_but_not_tenths_of_them(client, care):
    usd = StorefrontFactory(code="us-shop", currency="USD")

    ok = client.post(
        URL,
        {
            **posted(usd, lines=[("MUG-1", "Mug", "1", "12.50")], shipping_price="0.05"),
            "action": "preview",
        },
    )
    bad = client.post(
        URL, {**posted(usd, lines=[("MUG-1", "Mug", "1", "12.505")]), "action": "preview"}
    )

    assert ok.status_code == 200 and 'data-total="12.55"' in ok.content.decode()
    assert bad.status_code == 400 and "USD amounts have at most 2 decimals." in bad.content.decode()


def test_add_a_line_keeps_what_was_typed_and_adds_an_empty_row(client, shop, care):
    response = client.post(URL, {**posted(shop), "action": "add_line"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="lines-TOTAL_FORMS" value="4"' in html
    assert 'value="TEA-7"' in html and 'value="Trần Văn Bình"' in html
    assert "field-error" not in html
    assert not Order.objects.exists()


def test_finding_a_customer_fills_in_their_details_and_last_address(client, shop, care):
    known = order_make(storefront=shop, email="lan@example.com", name="Nguyễn Thị Lan")
    other_shop = StorefrontFactory(code="rival")
    order_make(storefront=other_shop, email="lan2@example.com", name="Nguyễn Thị Lan")

    found = client.get(URL, {"storefront": shop.code, "q": "thị lan"}).content.decode()
    chosen = client.get(
        URL, {"storefront": shop.code, "customer": known.customer_id}
    ).content.decode()

    assert 'data-found="1"' in found and f'data-customer="{known.customer_id}"' in found
    assert 'value="lan@example.com"' in chosen
    assert 'value="12 Lê Lợi"' in chosen and 'value="700000"' in chosen
    assert f'<option value="{shop.code}" selected>' in chosen


def test_a_customer_of_another_storefront_or_erased_is_not_offered(client, shop, care):
    rival = order_make(storefront=StorefrontFactory(code="rival"), email="x@example.com")
    erased = order_make(storefront=shop, email="y@example.com", name="Gone Person")
    Customer.objects.filter(pk=erased.customer_id).update(erased_at=erased.created_at)

    found = client.get(URL, {"storefront": shop.code, "q": "example.com"}).content.decode()
    chosen = client.get(
        URL, {"storefront": shop.code, "customer": rival.customer_id}
    ).content.decode()

    assert 'data-found="0"' in found
    assert 'value="x@example.com"' not in chosen


def test_a_returning_customer_keeps_one_record_and_gets_a_new_address(client, shop, care):
    known = order_make(storefront=shop, email="binh@example.com", name="Bình")

    client.post(URL, {**posted(shop), "action": "create"})

    assert Customer.objects.filter(storefront=shop).count() == 1
    order = Order.objects.exclude(pk=known.pk).get()
    assert order.customer_id == known.customer_id
    assert Address.objects.filter(customer_id=known.customer_id).count() == 2


@pytest.mark.parametrize("role", [WAREHOUSE])
def test_staff_without_the_permission_get_403_and_no_link(client, shop, role):
    client.force_login(user_with_role(role))

    page = client.get(URL)
    post = client.post(URL, {**posted(shop), "action": "create"})
    skus = client.get(f"{URL}skus/", {"storefront": shop.code})
    board = client.get("/dashboard/board/").content.decode()

    assert (page.status_code, post.status_code, skus.status_code) == (403, 403, 403)
    assert 'data-nav="take-order"' not in board
    assert not Order.objects.exists()


@pytest.mark.parametrize("role", [CUSTOMER_CARE, MANAGER])
def test_care_and_managers_see_the_link(client, role):
    client.force_login(user_with_role(role))

    board = client.get("/dashboard/board/").content.decode()

    assert 'data-nav="take-order"' in board


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


def test_inactive_storefronts_are_not_offered(client, shop, care):
    StorefrontFactory(code="closed-shop", name="Closed shop", is_active=False)

    page = client.get(URL).content.decode()
    response = client.post(URL, {**posted(shop, storefront="closed-shop"), "action": "create"})

    assert "Closed shop" not in page
    assert response.status_code == 400
    assert not Order.objects.exists()


def test_the_page_speaks_vietnamese(client, shop, care):
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert "Nhận đơn hàng" in html
    assert "Xem trước tổng tiền" in html and "Tạo đơn hàng" in html
    assert "Quầy cửa hàng" in html


def test_a_page_without_its_token_says_so_and_creates_nothing(client, shop, care):
    data = posted(shop)
    del data["form_token"]

    response = client.post(URL, {**data, "action": "create"})

    assert response.status_code == 400
    assert "This page has no one-time token: open it again." in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.parametrize("customers", [2, 12])
def test_finding_customers_takes_the_same_queries_however_many_match(
    client, shop, care, customers, django_assert_num_queries
):
    Customer.objects.bulk_create(
        Customer(storefront=shop, email=f"lan{n}@example.com", name=f"Lan {n}")
        for n in range(customers)
    )
    client.get(URL, {"storefront": shop.code, "q": "lan"})  # the session and permissions, once

    with django_assert_num_queries(QUERIES_TO_FIND):
        found = client.get(URL, {"storefront": shop.code, "q": "lan"})

    assert f'data-found="{min(customers, 10)}"' in found.content.decode()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent submits need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
)
@pytest.mark.django_db(transaction=True)
def test_a_page_submitted_three_times_at_once_creates_one_order(shop):
    care = user_with_role(CUSTOMER_CARE, username="care-fast")
    data = {**posted(shop, "c" * 32), "action": "create"}
    barrier = threading.Barrier(3)
    answers: list[tuple[int, str]] = []

    def submit():
        client = Client()
        client.force_login(care)
        try:
            barrier.wait(10)
            response = client.post(URL, data)
            answers.append((response.status_code, response.get("Location", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    order = Order.objects.get()
    assert answers == [(302, f"/dashboard/orders/{order.number}/")] * 3
    assert order.notifications.count() == 1
