"""Opening a return or complaint from the tracking page, with an optional photo."""

import re
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fulfillment.models import AfterSalesPhoto, AfterSalesRequest, AfterSalesStatus
from fulfillment.services.after_sales import after_sales_request_advance
from orders.links import tracking_token_make
from orders.models import OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.tests.factories import UserFactory, order_in_state, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache_and_media(private_cache, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def jpeg_with_location() -> bytes:
    """A small JPEG whose EXIF says where it was taken (GPS) and on which camera."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (10.0, 46.0, 0.0)}  # GPS: latitude of Saigon
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def form_url(order) -> str:
    return f"/track/{tracking_token_make(order)}/after-sales/"


def page_url(order) -> str:
    return f"/track/{tracking_token_make(order)}/"


def line_field(order, sku: str) -> str:
    return f"line_{order.lines.get(sku=sku).pk}"


def submission(order, **fields) -> dict:
    return {
        "kind": "return",
        "reason": "The mug arrived cracked.",
        "submission_key": "k" * 32,
        line_field(order, "MUG-1"): 1,
        line_field(order, "TEA-7"): 0,
        **fields,
    }


def test_the_form_appears_only_after_delivery(client):
    shipped = order_in_state(OrderStatus.SHIPPED)
    delivered = order_in_state(OrderStatus.DELIVERED)

    assert (
        "Return items, report a problem or claim under warranty"
        not in client.get(page_url(shipped)).content.decode()
    )
    html = client.get(page_url(delivered)).content.decode()
    assert "Return items, report a problem or claim under warranty" in html
    assert 'enctype="multipart/form-data"' in html


def test_a_customer_opens_a_return_and_then_sees_its_progress(client):
    order = order_in_state(OrderStatus.DELIVERED)

    response = client.post(form_url(order), submission(order))

    assert response.status_code == 302
    assert response["Location"].endswith("?lang=en&opened=1#after-sales")
    request = AfterSalesRequest.objects.get(order=order)
    assert (request.kind, request.source, request.reason) == (
        "return",
        "customer",
        "The mug arrived cracked.",
    )
    assert [(line.order_line.sku, line.quantity) for line in request.lines.all()] == [("MUG-1", 1)]
    order.refresh_from_db()
    assert order.status == OrderStatus.POST_DELIVERY

    page = client.get(response["Location"]).content.decode()
    assert "Thank you. We have your request" in page
    assert f"Return #{request.pk}" in page
    assert re.search(r'<li class=" current" aria-current="step">Received</li>', page)
    assert "Return or request in progress" in page  # the timeline says so too


def test_progress_follows_the_request(client):
    order = order_in_state(OrderStatus.DELIVERED)
    client.post(form_url(order), submission(order))
    request = AfterSalesRequest.objects.get(order=order)

    after_sales_request_advance(
        request=request, transition="approve", actor=user_with_role(CUSTOMER_CARE)
    )

    page = client.get(page_url(order)).content.decode()
    assert re.search(r'<li class="done">Received<span class="visually-hidden"> \(done\)', page)
    assert re.search(r'<li class=" current" aria-current="step">Approved</li>', page)


def test_sending_the_same_form_twice_opens_one_request(client):
    order = order_in_state(OrderStatus.DELIVERED)

    first = client.post(form_url(order), submission(order))
    second = client.post(form_url(order), submission(order))

    assert first.status_code == second.status_code == 302
    assert AfterSalesRequest.objects.filter(order=order).count() == 1


def test_a_complaint_needs_no_items_but_a_return_does(client):
    order = order_in_state(OrderStatus.DELIVERED)
    nothing_chosen = {line_field(order, "MUG-1"): 0}

    refused = client.post(form_url(order), submission(order, **nothing_chosen))
    complaint = client.post(
        form_url(order),
        submission(order, kind="complaint", submission_key="c" * 32, **nothing_chosen),
    )

    assert refused.status_code == 400
    assert "Choose which items, and how many of each" in refused.content.decode()
    assert complaint.status_code == 302
    assert list(AfterSalesRequest.objects.values_list("kind", flat=True)) == ["complaint"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"reason": ""}, "This field is required."),
        ({"MUG-1": 3}, "Ensure this value is less than or equal to 2."),
        ({"MUG-1": -1}, "Ensure this value is greater than or equal to 0."),
        ({"kind": "repair"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, fields, message):
    order = order_in_state(OrderStatus.DELIVERED)
    if "MUG-1" in fields:
        fields = {line_field(order, "MUG-1"): fields["MUG-1"]}

    response = client.post(form_url(order), submission(order, **fields))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AfterSalesRequest.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_before_delivery_the_request_is_refused_with_409(client):
    order = order_in_state(OrderStatus.SHIPPED)

    response = client.post(form_url(order), submission(order))

    assert response.status_code == 409
    assert "can no longer be opened for this order" in response.content.decode()
    assert not AfterSalesRequest.objects.exists()


def test_a_photo_is_kept_privately_without_its_location(client, settings):
    order = order_in_state(OrderStatus.DELIVERED)
    photo = SimpleUploadedFile("IMG_2024 at home.jpg", jpeg_with_location(), "image/jpeg")

    response = client.post(form_url(order), submission(order, photo=photo))

    assert response.status_code == 302
    stored = AfterSalesPhoto.objects.get(request__order=order)
    assert stored.content_type == "image/jpeg"
    assert "IMG_2024" not in stored.image.name
    with Image.open(stored.image.path) as image:
        assert image.size == (64, 48)
        assert dict(image.getexif()) == {}
    # Nothing serves uploads publicly.
    assert client.get(f"/media/{stored.image.name}").status_code == 404


@pytest.mark.parametrize(
    "upload, message",
    [
        (("notes.jpg", b"this is not a picture", "image/jpeg"), "Send a photo as a JPEG, PNG"),
        (("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"), "Send a photo as"),
    ],
)
def test_a_file_that_is_not_a_photo_is_refused(client, upload, message):
    order = order_in_state(OrderStatus.DELIVERED)

    response = client.post(form_url(order), submission(order, photo=SimpleUploadedFile(*upload)))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AfterSalesRequest.objects.exists()
    assert not AfterSalesPhoto.objects.exists()


def test_a_photo_above_the_size_limit_is_refused(client, settings):
    settings.AFTER_SALES_PHOTO_MAX_BYTES = 1000
    order = order_in_state(OrderStatus.DELIVERED)
    big = SimpleUploadedFile("big.jpg", jpeg_with_location() + b"\0" * 2000, "image/jpeg")

    response = client.post(form_url(order), submission(order, photo=big))

    assert response.status_code == 400
    assert "The photo is too large; send one up to 1000\xa0bytes." in response.content.decode()
    assert not AfterSalesRequest.objects.exists()


def test_the_form_needs_its_csrf_token():
    order = order_in_state(OrderStatus.DELIVERED)
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(form_url(order), submission(order))

    assert response.status_code == 403
    assert not AfterSalesRequest.objects.exists()


def test_the_sixth_request_in_an_hour_from_one_address_is_refused(client):
    order = order_in_state(OrderStatus.DELIVERED)
    answers = [
        client.post(form_url(order), submission(order, submission_key=f"{i:032d}")).status_code
        for i in range(6)
    ]

    assert answers == [302] * 5 + [429]
    assert AfterSalesRequest.objects.count() == 5


def test_errors_are_in_the_pages_language(client):
    order = order_in_state(OrderStatus.DELIVERED)

    response = client.post(
        form_url(order), submission(order, lang="vi", **{line_field(order, "MUG-1"): 0})
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert '<html lang="vi">' in html
    assert "Choose which items" not in html


def test_photos_are_shown_to_staff_who_handle_requests_only(client):
    order = order_in_state(OrderStatus.DELIVERED)
    photo = SimpleUploadedFile("p.jpg", jpeg_with_location(), "image/jpeg")
    client.post(form_url(order), submission(order, photo=photo))
    url = f"/fulfillment/after-sales/photos/{AfterSalesPhoto.objects.get().pk}/"

    anonymous = client.get(url)
    client.force_login(UserFactory(is_staff=False))
    not_staff = client.get(url)
    client.force_login(user_with_role(WAREHOUSE))
    warehouse = client.get(url)
    client.force_login(user_with_role(CUSTOMER_CARE))
    care = client.get(url)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not_staff.status_code == 302
    assert warehouse.status_code == 403
    assert care.status_code == 200
    assert care["Content-Type"] == "image/jpeg"
    assert care["X-Content-Type-Options"] == "nosniff"
    assert b"".join(care.streaming_content)[:2] == b"\xff\xd8"


def test_the_page_shows_no_staff_notes_about_the_request(client):
    order = order_in_state(OrderStatus.DELIVERED)
    client.post(form_url(order), submission(order))
    request = AfterSalesRequest.objects.get()
    care = user_with_role(CUSTOMER_CARE, first_name="Huong", last_name="Staffname")

    after_sales_request_advance(
        request=request, transition="reject", actor=care, note="Customer dropped it; abuse flag"
    )

    html = client.get(page_url(order)).content.decode()
    assert request.__class__.objects.get().status == AfterSalesStatus.REJECTED
    assert "We could not accept this request." in html
    assert "abuse flag" not in html
    assert "Staffname" not in html and care.username not in html
