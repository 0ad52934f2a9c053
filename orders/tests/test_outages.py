"""A database outage answers 503 (JSON under /api/, a page elsewhere), never 500, and recovers.

The database is made unreachable for real: the default connection is pointed
at a port nothing listens on, so Django raises the same OperationalError a
PostgreSQL restart causes. (SQLite has no server to lose, and Django keeps its
in-memory test database open whatever we ask, so those tests need PostgreSQL.)
"""

import logging

import pytest
from django.db import OperationalError, close_old_connections, connection
from django.test import RequestFactory

from api.errors import api_or_html_500

SERVICE_UNAVAILABLE = {
    "error": {
        "code": "service_unavailable",
        "message": "The service is briefly unavailable; retry in a few seconds.",
        "details": {},
    }
}


@pytest.fixture
def database_down(django_db_blocker):
    """Point the default connection at nothing for the test; put it back afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a PostgreSQL server")
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")  # nothing listens there
        yield
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_the_api_answers_503_json_with_retry_after(database_down, client, caplog):
    caplog.set_level(logging.ERROR, logger="shared.outages")

    response = client.post(
        "/api/v1/orders/",
        {"external_id": "WEB-1"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Api-Key abc.def",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert response.status_code == 503
    assert response.json() == SERVICE_UNAVAILABLE
    assert response["Retry-After"] == "5"
    assert "database unavailable on POST /api/v1/orders/: OperationalError" in caplog.text


def test_an_order_read_is_503_too(database_down, client):
    response = client.get("/api/v1/orders/ORABC12345/", HTTP_AUTHORIZATION="Api-Key abc.def")

    assert (response.status_code, response.json()) == (503, SERVICE_UNAVAILABLE)


def test_the_tracking_lookup_answers_a_plain_503_page(database_down, client, private_cache):
    response = client.post("/track/", {"number": "ORABC12345", "email_or_postal_code": "a@b.c"})

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "5"
    assert "Briefly unavailable" in response.content.decode()


def test_a_staff_page_answers_the_503_page(database_down, client):
    client.cookies["sessionid"] = "x" * 32  # the session is read from the database

    response = client.get("/dashboard/")

    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()


def test_the_503_page_is_translated(database_down, client, private_cache):
    response = client.post(
        "/track/",
        {"number": "ORABC12345", "email_or_postal_code": "a@b.c"},
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert response.status_code == 503
    assert '<html lang="vi">' in response.content.decode()


def test_readyz_says_the_database_is_failing(database_down, client, settings):
    settings.CELERY_BROKER_URL = "memory://localhost/"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["checks"]["database"] == "failing: OperationalError"


@pytest.mark.parametrize(
    ("path", "content_type"), [("/api/v1/x/", "application/json"), ("/track/", "text/html")]
)
def test_handler500_answers_503_for_an_outage_raised_outside_a_view(path, content_type):
    request = RequestFactory().get(path)
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = api_or_html_500(request)

    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)


def test_handler500_is_still_500_for_other_errors():
    request = RequestFactory().get("/api/v1/x/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = api_or_html_500(request)

    assert response.status_code == 500


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server")
def test_the_first_request_after_the_server_dropped_the_connection_succeeds(
    django_db_blocker, client, settings
):
    """CONN_MAX_AGE keeps the connection between requests; a dead one is replaced, not reused."""
    import psycopg2

    settings.CELERY_BROKER_URL = "memory://localhost/"
    saved = dict(connection.settings_dict)
    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict["NAME"] = "postgres"  # /readyz runs SELECT 1 only
        try:
            assert connection.settings_dict["CONN_MAX_AGE"] > 0
            assert client.get("/readyz").status_code == 200
            pid = connection.connection.info.backend_pid  # kept open after the request
            killer = psycopg2.connect(
                dbname="postgres",
                host=saved["HOST"],
                port=saved["PORT"] or 5432,
                user=saved["USER"],
                password=saved["PASSWORD"],
            )
            killer.autocommit = True
            with killer.cursor() as cursor:  # what a restart does to every connection
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            killer.close()
            # A real server runs this at every request start; Django's test client skips it.
            close_old_connections()

            response = client.get("/readyz")

            assert response.status_code == 200
            assert connection.connection.info.backend_pid != pid
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a PostgreSQL server")
def test_a_write_after_a_side_effect_is_retried_until_the_database_is_back(django_db_blocker):
    """The first try meets the outage; the database is back for the second, which lands."""
    from shared.outages import retry_through_database_outage

    saved = dict(connection.settings_dict)
    calls = []

    def write():
        calls.append(1)
        if len(calls) == 2:  # the server is back (its maintenance database: SELECT 1 only)
            connection.settings_dict.update(HOST=saved["HOST"], PORT=saved["PORT"], NAME="postgres")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]

    with django_db_blocker.unblock():
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")  # nothing listens there
        try:
            result = retry_through_database_outage(write, what="test", within=10)
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)

    assert (result, len(calls)) == (1, 2)


def test_a_write_is_not_retried_past_its_deadline(django_db_blocker, database_down):
    from shared.outages import retry_through_database_outage

    calls = []

    def write():
        calls.append(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    with django_db_blocker.unblock(), pytest.raises(OperationalError):
        retry_through_database_outage(write, what="test", within=1)

    assert 2 <= len(calls) <= 4  # tried at once, then 0.25 s and 0.5 s later


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/test/database-lost/", "/test/database-lost/"])
def test_a_view_that_loses_the_database_answers_503_through_the_middleware(client, settings, path):
    # Any database: the view raises what a lost PostgreSQL connection raises, so the
    # middleware stack (ApiErrorMiddleware lets it pass, DatabaseOutageMiddleware
    # answers) is what is tested, whatever their order.
    settings.ROOT_URLCONF = "orders_project.tests.urls"

    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    if path.startswith("/api/"):
        assert response.json() == SERVICE_UNAVAILABLE
    else:
        assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_the_api_error_middleware_leaves_a_database_outage_to_the_outage_middleware(
    client, settings
):
    settings.ROOT_URLCONF = "orders_project.tests.urls"
    reordered = list(settings.MIDDLEWARE)
    api_errors = "api.errors.ApiErrorMiddleware"
    reordered.remove(api_errors)
    settings.MIDDLEWARE = [*reordered, api_errors]  # now its process_exception runs first

    response = client.get("/api/v1/test/database-lost/")

    assert response.status_code == 503
    assert response.json() == SERVICE_UNAVAILABLE
