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
