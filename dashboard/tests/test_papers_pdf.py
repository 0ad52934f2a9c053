"""PDF labels and slips over HTTP: who gets them, what a wave's PDF holds, where the links are."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fulfillment.models import PickList
from fulfillment.services import package_create, shipment_create
from fulfillment.services.picking import pick_list_create
from fulfillment.tests.pdfs import page_barcodes, page_sizes, page_texts
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import (
    CarrierFactory,
    UserFactory,
    order_in_state,
    order_step,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def packed(order: Order, *, boxes: int = 1, book: bool = True) -> Order:
    """Pack a packing order in one box (all lines) or two (mugs; tea), and book one shipment."""
    if boxes == 1:
        package_create(
            order=order,
            lines=[{"sku": line.sku, "quantity": line.quantity} for line in order.lines.all()],
            weight_grams=1200,
            actor=None,
        )
    else:
        for sku, quantity in [("MUG-1", 2), ("TEA-7", 1)]:
            package_create(
                order=order,
                lines=[{"sku": sku, "quantity": quantity}],
                weight_grams=600,
                actor=None,
            )
    if book:
        shipment_create(
            order=order,
            carrier_code=CarrierFactory().code,
            tracking_number=f"GHN{order.pk:08d}",
            package_ids=list(order.packages.values_list("pk", flat=True)),
            actor=None,
        )
    return Order.objects.get(pk=order.pk)


def wave(count: int) -> tuple[PickList, list[Order]]:
    """A pick list of `count` orders, each then moved on to packing."""
    orders = [order_in_state(OrderStatus.PICKING) for _ in range(count)]
    pick_list = pick_list_create(orders=orders, actor=None)
    return pick_list, [order_step(order, "start_packing") for order in orders]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def urls() -> list[str]:
    pick_list, (order,) = wave(1)
    order = packed(order)
    return [
        f"/fulfillment/shipments/{order.shipments.get().pk}/label.pdf",
        f"/fulfillment/packages/{order.packages.get().pk}/slip.pdf",
        f"/fulfillment/orders/{order.number}/papers.pdf",
        f"/fulfillment/pick-lists/{pick_list.pk}/papers.pdf",
    ]


@pytest.mark.parametrize("role", [WAREHOUSE, MANAGER])
def test_staff_who_book_shipments_get_inline_uncached_pdfs(role):
    client = logged_in(user_with_role(role))

    for url in urls():
        response = client.get(url)

        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('inline; filename="')
        assert response["Content-Disposition"].endswith('.pdf"')
        assert response["Cache-Control"] == "private, no-store"
        assert response.content.startswith(b"%PDF-")
        assert set(page_sizes(response.content)) == {(288.0, 432.0)}


def test_anonymous_users_are_sent_to_log_in():
    for url in urls():
        response = Client().get(url)

        assert response.status_code == 302, url
        assert response["Location"] == f"/admin/login/?next={url}"


@pytest.mark.parametrize("role", [FINANCE, CUSTOMER_CARE])
def test_staff_without_the_shipping_permission_are_refused(role):
    client = logged_in(user_with_role(role))

    for url in urls():
        response = client.get(url)

        assert response.status_code == 403, url
        assert b"%PDF" not in response.content


def test_staff_who_only_see_packages_are_refused_and_non_staff_are_sent_to_log_in():
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_package"))
    outsider = UserFactory(is_staff=False)
    outsider.user_permissions.add(Permission.objects.get(codename="add_shipment"))

    for url in urls():
        assert logged_in(viewer).get(url).status_code == 403, url
        refused = logged_in(outsider).get(url)
        assert refused.status_code == 302, url
        assert refused["Location"].startswith("/admin/login/")


def test_what_does_not_exist_is_a_404():
    client = logged_in(user_with_role(WAREHOUSE))

    for url in [
        "/fulfillment/shipments/999999/label.pdf",
        "/fulfillment/packages/999999/slip.pdf",
        "/fulfillment/orders/NO-SUCH/papers.pdf",
        "/fulfillment/pick-lists/999999/papers.pdf",
    ]:
        assert client.get(url).status_code == 404, url


def test_the_label_over_http_carries_the_tracking_barcode_and_the_slip_the_order_barcode():
    client = logged_in(user_with_role(WAREHOUSE))
    _pick_list, (order,) = wave(1)
    order = packed(order)
    shipment, package = order.shipments.get(), order.packages.get()

    label = client.get(f"/fulfillment/shipments/{shipment.pk}/label.pdf")
    slip = client.get(f"/fulfillment/packages/{package.pk}/slip.pdf")

    assert (
        label["Content-Disposition"] == f'inline; filename="label-{shipment.tracking_number}.pdf"'
    )
    assert page_barcodes(label.content) == [[("Code128", shipment.tracking_number)]]
    assert "Nguyễn Thị Lan" in page_texts(label.content)[0]
    assert page_barcodes(slip.content) == [[("Code128", order.number)]]


def test_a_waves_pdf_holds_each_packed_orders_labels_then_slips_in_order_skipping_the_unpacked():
    client = logged_in(user_with_role(WAREHOUSE))
    pick_list, (first, second, unpacked) = wave(3)
    first = packed(first, boxes=2)
    second = packed(second, book=False)  # packed, no shipment yet: a slip, no label

    response = client.get(f"/fulfillment/pick-lists/{pick_list.pk}/papers.pdf")

    assert response.status_code == 200
    texts = page_texts(response.content)
    barcodes = [codes[0][1] for codes in page_barcodes(response.content)]
    tracking = first.shipments.get().tracking_number
    # Grouped per order, by number; an order's labels first, then its slips.
    expected = {
        first.number: [tracking, tracking, first.number, first.number],
        second.number: [second.number],
    }
    assert barcodes == [code for number in sorted(expected) for code in expected[number]]
    start = 0 if first.number < second.number else 1
    assert "Package 1 of 2" in texts[start] and "Package 2 of 2" in texts[start + 1]
    assert "Packing slip" in texts[start + 2] and "Package 1 of 2" in texts[start + 2]
    assert "Package 2 of 2" in texts[start + 3]
    assert f"Order {second.number}" in texts[4 if start == 0 else 0]
    assert all(unpacked.number not in text for text in texts)


def test_a_waves_pdf_reads_in_a_fixed_number_of_queries():
    client = logged_in(user_with_role(WAREHOUSE))
    small, (order,) = wave(1)
    packed(order)
    large, orders = wave(4)
    for order in orders:
        packed(order, boxes=2)
    client.get(f"/fulfillment/pick-lists/{small.pk}/papers.pdf")  # session, permissions cached

    with CaptureQueriesContext(connection) as one:
        assert client.get(f"/fulfillment/pick-lists/{small.pk}/papers.pdf").status_code == 200
    with CaptureQueriesContext(connection) as four:
        assert client.get(f"/fulfillment/pick-lists/{large.pk}/papers.pdf").status_code == 200

    # session, user, user's and groups' permissions; pick list; orders; shipments; packages; lines
    assert len(one) == len(four) == 9


def test_nothing_packed_is_a_404_page_that_says_so():
    client = logged_in(user_with_role(WAREHOUSE))
    pick_list, (order,) = wave(1)

    for url in [
        f"/fulfillment/pick-lists/{pick_list.pk}/papers.pdf",
        f"/fulfillment/orders/{order.number}/papers.pdf",
    ]:
        response = client.get(url)

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")
        assert b"packed yet" in response.content


def test_the_order_page_links_each_label_and_slip_and_all_of_them_for_shipping_staff_only():
    _pick_list, (order,) = wave(1)
    order = packed(order)
    shipment, package = order.shipments.get(), order.packages.get()
    url = f"/dashboard/orders/{order.number}/"

    html = logged_in(user_with_role(WAREHOUSE)).get(url).content.decode()
    care = logged_in(user_with_role(CUSTOMER_CARE)).get(url).content.decode()

    assert f'href="/fulfillment/shipments/{shipment.pk}/label.pdf"' in html
    assert f'href="/fulfillment/packages/{package.pk}/slip.pdf"' in html
    assert f'href="/fulfillment/orders/{order.number}/papers.pdf"' in html
    assert "Label (PDF)" in html and "Slip (PDF)" in html and "All labels and slips (PDF)" in html
    assert order.number in care and ".pdf" not in care


def test_the_order_page_with_its_paper_links_costs_the_same_queries_for_one_or_more_boxes():
    _pick_list, (one_box, two_boxes) = wave(2)
    one_box, two_boxes = packed(one_box), packed(two_boxes, boxes=2)
    client = logged_in(user_with_role(WAREHOUSE))
    client.get(f"/dashboard/orders/{one_box.number}/")  # session, permissions cached

    with CaptureQueriesContext(connection) as one:
        one_html = client.get(f"/dashboard/orders/{one_box.number}/").content.decode()
    with CaptureQueriesContext(connection) as two:
        two_html = client.get(f"/dashboard/orders/{two_boxes.number}/").content.decode()

    assert (one_html.count("data-slip-pdf"), two_html.count("data-slip-pdf")) == (1, 2)
    assert len(one) == len(two)


def test_the_pick_list_pages_link_the_waves_papers_for_shipping_staff_only():
    pick_list, _orders = wave(1)
    href = f'href="/fulfillment/pick-lists/{pick_list.pk}/papers.pdf"'
    warehouse = logged_in(user_with_role(WAREHOUSE))
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_picklist"))

    assert href in warehouse.get(f"/dashboard/pick-lists/{pick_list.pk}/").content.decode()
    assert href in warehouse.get(f"/fulfillment/pick-lists/{pick_list.pk}/").content.decode()
    assert (
        href
        not in logged_in(viewer).get(f"/fulfillment/pick-lists/{pick_list.pk}/").content.decode()
    )
