"""Finance reports on the dashboard: ask, watch the progress, download."""

import pytest

from orders.roles import FINANCE, WAREHOUSE
from orders.tests.factories import order_new, user_with_role
from reports.models import ReportRun

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_and_eager(tasks_in_process, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_finance_asks_for_a_report_and_downloads_its_files(client):
    client.force_login(user_with_role(FINANCE))
    order_new(payment_method="card", payment_status="paid")

    form = client.get("/dashboard/reports/")
    made = client.post("/dashboard/reports/", {"start": "2026-01-01", "end": "2026-12-31"})
    run = ReportRun.objects.get()
    page = client.get(made["Location"])
    progress = client.get(f"/dashboard/reports/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    csv_file = client.get(f"/dashboard/reports/{run.pk}/csv/")

    assert form.status_code == 200 and "Make the report" in form.content.decode()
    assert made["Location"] == f"/dashboard/reports/{run.pk}/"
    assert 'value="100"' in page.content.decode()
    assert progress["HX-Refresh"] == "true"
    assert csv_file["Content-Disposition"].startswith("attachment;")
    assert b"".join(csv_file.streaming_content).startswith(b"storefront,payment_method")
    assert client.get(f"/dashboard/reports/{run.pk}/pdf/").status_code == 404


def test_bad_dates_are_a_form_error(client):
    client.force_login(user_with_role(FINANCE))

    backwards = client.post("/dashboard/reports/", {"start": "2026-10-02", "end": "2026-10-01"})
    garbage = client.post("/dashboard/reports/", {"start": "soon", "end": "2026-10-01"})

    assert backwards.status_code == garbage.status_code == 400
    assert "ends before it starts" in backwards.content.decode()
    assert "YYYY-MM-DD" in garbage.content.decode()
    assert not ReportRun.objects.exists()


def test_only_finance_and_managers_see_reports(client):
    client.force_login(user_with_role(WAREHOUSE))

    assert client.get("/dashboard/reports/").status_code == 403
