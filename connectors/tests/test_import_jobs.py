"""Import jobs in the background: run once; a file that is gone fails the job, not the worker."""

import pytest

from connectors.import_jobs import import_job_run_now
from connectors.models import ImportJob
from orders.models import Order
from orders.tests.factories import StorefrontFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_job_whose_file_is_gone_fails_with_the_reason():
    job = ImportJob.objects.create(
        storefront=StorefrontFactory(code="imp"),
        file_name="orders.csv",
        file="imports/2026/12/gone.csv",
        status="queued",
    )

    job = import_job_run_now(job.pk)

    assert job.status == "failed"
    assert job.error and job.finished_at is not None
    assert not Order.objects.exists()


@pytest.mark.parametrize("status", ["preview", "running", "done"])
def test_only_a_queued_job_runs(status):
    job = ImportJob.objects.create(
        storefront=StorefrontFactory(code="imp"), file_name="orders.csv", status=status
    )

    assert import_job_run_now(job.pk).status == status


def test_a_job_that_stops_half_way_says_how_far_it_got_in_plain_words(monkeypatch):
    from django.core.files.base import ContentFile

    from connectors import imports

    from .test_imports import GOOD_AND_BAD

    created = []

    def order_create_then_break(**fields):
        if created:
            raise RuntimeError("database went away")
        created.append(fields["external_id"])
        return real_order_create(**fields)

    real_order_create = imports.order_create
    monkeypatch.setattr(imports, "order_create", order_create_then_break)
    job = ImportJob.objects.create(
        storefront=StorefrontFactory(code="imp", currency="VND"),
        file_name="orders.csv",
        status="queued",
    )
    job.file.save("orders.csv", ContentFile(GOOD_AND_BAD), save=True)

    job = import_job_run_now(job.pk)

    assert job.status == "failed"
    assert "stopped unexpectedly" in job.error and "RuntimeError" not in job.error
    assert Order.objects.count() == 1 == job.orders_created
    assert job.orders_done >= 1
