"""The import pages: upload, preview by row number, confirm, progress and the result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from connectors.import_files import MAX_FILE_BYTES
from connectors.models import ImportJob
from connectors.tests.test_imports import GOOD_AND_BAD
from customers.models import Customer
from orders.models import Order
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from orders.tests.factories import StorefrontFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop():
    return StorefrontFactory(code="imp", name="Import shop", currency="VND")


def upload(client, content: bytes = GOOD_AND_BAD, name: str = "orders.csv", storefront="imp"):
    return client.post(
        "/dashboard/imports/",
        {"storefront": storefront, "file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.usefixtures("tasks_in_process")
def test_upload_preview_confirm_and_the_job_finishes_with_its_counts(
    client, shop, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(CUSTOMER_CARE))

    uploaded = upload(client)

    job = ImportJob.objects.get()
    assert job.status == "preview"
    # The upload is answered with the preview; the job's page shows it again later.
    for preview in [uploaded, client.get(f"/dashboard/imports/{job.pk}/")]:
        html = preview.content.decode()
        assert preview.status_code == 200
        assert "5 rows: 2 orders to create, 0 already there, 1 refused" in html
        assert 'data-external-id="A-1"' in html and 'data-external-id="A-2"' in html
        assert '<tr data-row="6"><td>6</td><td>A-3</td><td>quantity</td>' in html
        assert "Not imported: row 6 of the same order is wrong." in html
        assert f'action="/dashboard/imports/{job.pk}/confirm/"' in html
        assert "Import 2 orders" in html
    assert not Order.objects.exists() and not Customer.objects.exists()  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/dashboard/imports/{job.pk}/confirm/")

    job.refresh_from_db()
    assert started["Location"] == f"/dashboard/imports/{job.pk}/"
    assert (job.status, job.orders_done, job.orders_total) == ("done", 3, 3)
    assert (job.orders_created, job.orders_existing, job.orders_failed) == (2, 0, 1)
    assert not job.file  # read, then deleted
    assert set(Order.objects.values_list("external_id", flat=True)) == {"A-1", "A-2"}
    result = client.get(started["Location"]).content.decode()
    assert "3 of 3 orders processed" in result
    assert "2 created" in result and "1 refused" in result
    assert 'data-row="6"' in result
    progress = client.get(f"/dashboard/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    listing = client.get("/dashboard/imports/").content.decode()
    assert f'data-import-job="{job.pk}"' in listing


@pytest.mark.usefixtures("tasks_in_process")
def test_the_same_file_again_is_previewed_as_already_there_and_creates_nothing(
    client, shop, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(MANAGER))
    upload(client)
    first = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/imports/{first.pk}/confirm/")
    orders = Order.objects.count()

    preview = upload(client).content.decode()

    assert "0 orders to create, 2 already there, 1 refused" in preview
    assert "This file was imported for this storefront before" in preview
    assert "Nothing to import from this file." in preview
    second = ImportJob.objects.exclude(pk=first.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/imports/{second.pk}/confirm/")
    second.refresh_from_db()
    assert (second.orders_created, second.orders_existing) == (0, 2)
    assert Order.objects.count() == orders


def test_a_job_is_started_once_however_often_it_is_confirmed(
    client, shop, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(MANAGER))
    upload(client)
    job = ImportJob.objects.get()

    with django_capture_on_commit_callbacks() as first:
        client.post(f"/dashboard/imports/{job.pk}/confirm/")
    with django_capture_on_commit_callbacks() as second:
        again = client.post(f"/dashboard/imports/{job.pk}/confirm/", follow=True)

    assert (len(first), len(second)) == (1, 0)
    assert "This import was already started." in again.content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"external_id,sku\nA,B\n", "orders.csv", "missing: customer_email"),
        (b"hello", "orders.txt", "Only .csv and .xlsx files can be imported"),
        (b"not a zip", "orders.xlsx", "This is not an XLSX file"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_form_error(client, shop, content, name, message):
    client.force_login(user_with_role(MANAGER))

    response = upload(client, content, name)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_a_form_error(client, shop, monkeypatch):
    client.force_login(user_with_role(MANAGER))
    monkeypatch.setattr("dashboard.imports.MAX_FILE_BYTES", 10)

    response = upload(client)

    assert response.status_code == 400
    assert "The file is larger than" in response.content.decode()
    assert MAX_FILE_BYTES > 10 and not ImportJob.objects.exists()


def test_an_unknown_storefront_is_a_form_error(client, shop):
    client.force_login(user_with_role(MANAGER))

    response = upload(client, storefront="nope")

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_staff_without_the_import_permission_are_refused(client, shop):
    client.force_login(user_with_role(WAREHOUSE))
    job = ImportJob.objects.create(storefront=shop, file_name="x.csv", status="preview")

    pages = [
        client.get("/dashboard/imports/"),
        upload(client),
        client.get(f"/dashboard/imports/{job.pk}/"),
        client.post(f"/dashboard/imports/{job.pk}/confirm/"),
        client.post(f"/dashboard/imports/{job.pk}/discard/"),
        client.get(f"/dashboard/imports/{job.pk}/progress/"),
    ]

    assert [page.status_code for page in pages] == [403] * 6
    assert ImportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == "preview"


def test_the_navigation_links_to_imports_for_those_who_may_import(client, shop):
    client.force_login(user_with_role(CUSTOMER_CARE))
    assert 'href="/dashboard/imports/"' in client.get("/dashboard/board/").content.decode()
    client.force_login(user_with_role(WAREHOUSE))
    assert 'href="/dashboard/imports/"' not in client.get("/dashboard/board/").content.decode()


def test_the_upload_needs_csrf(shop):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(MANAGER))

    response = upload(strict)

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_a_discarded_preview_leaves_neither_job_nor_file(
    client, shop, settings, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(MANAGER))
    upload(client)
    job = ImportJob.objects.get()
    stored = settings.MEDIA_ROOT / job.file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        discarded = client.post(f"/dashboard/imports/{job.pk}/discard/", follow=True)

    assert discarded.redirect_chain[-1][0] == "/dashboard/imports/"
    assert "The file was discarded; nothing was imported." in discarded.content.decode()
    assert not ImportJob.objects.exists() and not stored.exists()
    assert not Order.objects.exists()
