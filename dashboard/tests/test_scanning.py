"""POST /dashboard/scan/: the header's scan field, as a plain form and as scan.js calls it."""

import json

import pytest
from django.test import Client

from fulfillment.models import InventoryItem, OpenPackage, OpenPackageLine, Package, PickRecord
from fulfillment.services import shipment_create
from fulfillment.services.picking import pick_list_create
from orders.models import OrderEvent, OrderStatus
from orders.roles import FINANCE, WAREHOUSE
from orders.tests.factories import CarrierFactory, order_pack_everything, user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def picker(client):
    client.force_login(user_with_role(WAREHOUSE))
    InventoryItem.objects.create(sku="MUG-1", location="A-01-1", quantity_on_hand=5)
    return client


def scan(client, code, *, order=None, screen="", accept_json=True, **extra):
    data = {"code": code, "next": "/dashboard/board/"}
    if order is not None:
        data.update(order=order.number, screen=screen)
    return client.post("/dashboard/scan/", data, **(JSON if accept_json else {}), **extra)


def answer(response) -> dict:
    return json.loads(response.content)


def unchanged() -> tuple:
    return (
        PickRecord.objects.count(),
        OpenPackageLine.objects.count(),
        OpenPackage.objects.count(),
        OrderEvent.objects.count(),
        sorted(InventoryItem.objects.values_list("sku", "quantity_on_hand")),
    )


def test_every_dashboard_page_has_the_scan_field_and_the_order_page_says_its_screen(picker):
    order = order_make("picking")

    board = picker.get("/dashboard/board/").content.decode()
    page = picker.get(f"/dashboard/orders/{order.number}/").content.decode()

    for html in (board, page):
        assert 'id="scan-form" method="post" action="/dashboard/scan/"' in html
        assert 'name="code" id="scan"' in html
        assert "csrfmiddlewaretoken" in html
        assert "dashboard/scan.js" in html
    assert 'name="screen"' not in board
    assert f'name="order" value="{order.number}"' in page
    assert 'name="screen" value="pick"' in page
    login = Client().get("/dashboard/login/").content.decode()
    assert 'id="scan"' not in login


def test_an_order_number_opens_the_order(picker):
    order = order_make("processing")

    plain = scan(picker, order.number.lower(), accept_json=False)
    fetched = scan(picker, f"  {order.number}\n")

    assert (plain.status_code, plain["Location"]) == (302, f"/dashboard/orders/{order.number}/")
    assert fetched.status_code == 200
    assert answer(fetched)["url"] == f"/dashboard/orders/{order.number}/"


def test_a_tracking_number_opens_its_order(picker):
    order = order_make("packing")
    order = order_pack_everything(order)
    carrier = CarrierFactory()
    shipment_create(
        order=order,
        carrier_code=carrier.code,
        tracking_number="GHN123456VN",
        package_ids=list(order.packages.values_list("pk", flat=True)),
        actor=None,
    )

    response = scan(picker, "GHN123456VN")

    assert answer(response)["url"] == f"/dashboard/orders/{order.number}/"


def test_a_sku_on_the_picking_screen_picks_one_unit(picker):
    order = order_make("picking")

    response = scan(picker, "MUG-1", order=order, screen="pick")

    assert response.status_code == 200
    assert answer(response) == {
        "ok": True,
        "message": "Picked 1 x MUG-1 (1 of 2).",
        "url": f"/dashboard/orders/{order.number}/",
    }
    assert list(PickRecord.objects.values_list("quantity_picked", flat=True)) == [1]
    page = picker.get(f"/dashboard/orders/{order.number}/").content.decode()
    assert "Picked 1 x MUG-1 (1 of 2)." in page
    assert "(1 picked)" in page


def test_a_plain_post_of_a_sku_picks_and_redirects_to_the_order(picker):
    order = order_make("picking")

    response = scan(picker, "MUG-1", order=order, screen="pick", accept_json=False)

    assert (response.status_code, response["Location"]) == (
        302,
        f"/dashboard/orders/{order.number}/",
    )
    assert PickRecord.objects.count() == 1


def test_a_sku_not_on_the_order_is_refused_with_404_and_changes_nothing(picker):
    order = order_make("picking")
    before = unchanged()

    response = scan(picker, "SOAP-9", order=order, screen="pick")

    assert response.status_code == 404
    assert answer(response)["ok"] is False
    assert "SOAP-9" in answer(response)["message"]
    assert f"no SKU of order {order.number}" in answer(response)["message"]
    assert unchanged() == before


def test_a_refused_plain_post_goes_back_with_the_message(picker):
    order = order_make("picking")

    response = scan(picker, "SOAP-9", order=order, screen="pick", accept_json=False)

    assert (response.status_code, response["Location"]) == (302, "/dashboard/board/")
    page = picker.get("/dashboard/board/").content.decode()
    assert "Nothing matches SOAP-9" in page
    assert "message--error" in page


def test_one_unit_too_many_is_refused_with_409(picker):
    order = order_make("picking")
    scan(picker, "MUG-1", order=order, screen="pick")
    scan(picker, "MUG-1", order=order, screen="pick")
    before = unchanged()

    response = scan(picker, "MUG-1", order=order, screen="pick")

    assert response.status_code == 409
    assert answer(response)["message"] == "Refused MUG-1: All 2 x MUG-1 are picked."
    assert unchanged() == before


def test_the_orders_sku_wins_over_an_order_number_that_reads_the_same(picker):
    order = order_make("picking")
    other = order_make("processing")
    order.lines.update(sku=other.number)

    response = scan(picker, other.number, order=order, screen="pick")

    assert answer(response)["url"] == f"/dashboard/orders/{order.number}/"
    assert PickRecord.objects.count() == 1


def test_a_finance_user_cannot_pick_by_scanning(client):
    client.force_login(user_with_role(FINANCE))
    order = order_make("picking")
    before = unchanged()

    response = scan(client, "MUG-1", order=order, screen="pick")

    assert response.status_code == 403
    assert "You may not record picks." in answer(response)["message"]
    assert unchanged() == before


def test_a_stale_screen_is_refused_not_taken_for_another_stage(picker):
    order = order_make("packing")
    before = unchanged()

    response = scan(picker, "MUG-1", order=order, screen="pick")

    assert response.status_code == 409
    assert "picks are scanned while it is picking" in answer(response)["message"]
    assert unchanged() == before


def test_packing_by_scanning_fills_the_open_package_the_page_closes(picker):
    order = order_make("packing")

    first = scan(picker, "MUG-1", order=order, screen="pack")
    page = picker.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert answer(first)["message"] == (
        "Added 1 x MUG-1 to the open package (1 of 2 packed or open)."
    )
    assert 'name="screen" value="pack"' in page
    assert 'data-open-package-line="MUG-1">1 x MUG-1' in page
    assert 'data-fulfillment="close-package"' in page
    assert 'data-fulfillment="pack"' not in page  # the open box is what gets packed
    scan(picker, "MUG-1", order=order, screen="pack")
    assert scan(picker, "MUG-1", order=order, screen="pack").status_code == 409

    response = picker.post(
        f"/dashboard/orders/{order.number}/pack/",
        {"weight_grams": "900", "version": order.__class__.objects.get(pk=order.pk).version},
    )

    assert response.status_code == 302
    package = Package.objects.get()
    assert (package.weight_grams, package.lines.get().quantity) == (900, 2)
    assert not OpenPackage.objects.exists()


def test_the_box_can_be_emptied_from_the_page(picker):
    order = order_make("packing")
    scan(picker, "MUG-1", order=order, screen="pack")

    response = picker.post(f"/dashboard/orders/{order.number}/open-package/empty/", follow=True)

    assert "The open package is empty again (1 taken out)." in response.content.decode()
    assert not OpenPackage.objects.exists()
    assert order.__class__.objects.get(pk=order.pk).status == OrderStatus.PACKING


@pytest.mark.parametrize(
    ("code", "status"),
    [("", 400), ("   ", 400), ("X" * 10_000, 404), ("đơn hàng 🙂", 404), ("\x00", 400)],
)
def test_odd_codes_are_refused_never_a_server_error(picker, code, status):
    order = order_make("picking")
    before = unchanged()

    on_board = scan(picker, code)
    on_order = scan(picker, code, order=order, screen="pick")

    assert (on_board.status_code, on_order.status_code) == (status, status)
    if "\x00" not in code:  # a NUL is refused before the view (shared.request_limits)
        assert len(answer(on_order)["message"]) < 300
    assert unchanged() == before


def test_non_staff_and_get_are_refused(client):
    order = order_make("processing")
    assert client.post("/dashboard/scan/", {"code": order.number}).status_code == 302
    assert (
        "/dashboard/login/" in client.post("/dashboard/scan/", {"code": order.number})["Location"]
    )
    client.force_login(user_with_role(WAREHOUSE))
    assert client.get("/dashboard/scan/", {"code": order.number}).status_code == 405


def test_the_scan_form_is_csrf_protected():
    order = order_make("picking")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(WAREHOUSE))

    response = client.post(
        "/dashboard/scan/", {"code": "MUG-1", "order": order.number, "screen": "pick"}
    )

    assert response.status_code == 403
    assert not PickRecord.objects.exists()


def test_next_never_leaves_the_site(picker):
    response = picker.post("/dashboard/scan/", {"code": "NOPE", "next": "https://evil.example/"})

    assert response["Location"] == "/dashboard/"


def test_a_sku_on_a_wave_pick_list_picks_for_the_first_order_needing_it(picker):
    first, second = sorted((order_make("picking") for _ in range(2)), key=lambda o: o.number)
    pick_list = pick_list_create(orders=[first, second], actor=None)
    page = picker.get(f"/dashboard/pick-lists/{pick_list.pk}/").content.decode()
    assert f'name="pick_list" value="{pick_list.pk}"' in page
    assert 'name="screen" value="wave"' in page

    def wave(code):
        return picker.post(
            "/dashboard/scan/",
            {"code": code, "pick_list": pick_list.pk, "screen": "wave"},
            **JSON,
        )

    answers = [wave("MUG-1") for _ in range(4)]

    assert [answer(a)["message"] for a in answers] == [
        f"Picked 1 x MUG-1 for order {first.number}: into its tote (1 of 2).",
        f"Picked 1 x MUG-1 for order {first.number}: into its tote (2 of 2).",
        f"Picked 1 x MUG-1 for order {second.number}: into its tote (1 of 2).",
        f"Picked 1 x MUG-1 for order {second.number}: into its tote (2 of 2).",
    ]
    assert answer(answers[0])["url"] == f"/dashboard/pick-lists/{pick_list.pk}/"
    before = unchanged()
    assert wave("MUG-1").status_code == 409
    assert wave("SOAP-9").status_code == 404
    assert answer(wave(first.number))["url"] == f"/dashboard/orders/{first.number}/"
    assert unchanged() == before


def test_a_sku_typed_in_another_case_still_picks_the_orders_sku(picker):
    order = order_make("picking")

    response = scan(picker, "mug-1", order=order, screen="pick")

    assert answer(response)["message"] == "Picked 1 x MUG-1 (1 of 2)."
    assert PickRecord.objects.count() == 1
