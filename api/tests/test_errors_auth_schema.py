"""Authentication, throttling, the error shape under /api/, the schema and the key command."""

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from api.throttling import StorefrontKeyThrottle
from orders.models import Storefront, StorefrontAPIKey
from shared.tests.scratch_redis import scratch_redis_url

from .conftest import create

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_no_key_is_401_with_a_challenge(db):
    response = APIClient().get("/api/v1/orders/")

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("header", ["Api-Key wrong.key", "Api-Key ", "Api-Key abc"])
def test_a_wrong_key_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert_error(client.get("/api/v1/orders/"), 401, "not_authenticated")


def test_a_revoked_key_or_inactive_storefront_is_401(shop):
    storefront, client = shop
    assert client.get("/api/v1/orders/").status_code == 200

    StorefrontAPIKey.objects.filter(storefront=storefront).update(revoked=True)
    assert_error(client.get("/api/v1/orders/"), 401, "not_authenticated")

    StorefrontAPIKey.objects.filter(storefront=storefront).update(revoked=False)
    Storefront.objects.filter(pk=storefront.pk).update(is_active=False)
    assert_error(client.get("/api/v1/orders/"), 401, "not_authenticated")


@pytest.fixture
def frozen_throttle_clock(monkeypatch):
    """Throttles count per minute window: keep every request of a test in one window."""
    from api.throttling import WindowCountThrottle

    now = [1_800_000_010.0]
    monkeypatch.setattr(WindowCountThrottle, "timer", lambda self: now[0])
    return now


def test_throttling_answers_429_with_retry_after(shop, monkeypatch, frozen_throttle_clock):
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "3/min", raising=False)
    _, client = shop

    answers = [client.get("/api/v1/orders/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    error = assert_error(answers[3], 429, "throttled")
    assert int(answers[3]["Retry-After"]) == 50  # the minute's window ends 50 s later
    assert error["details"]["retry_after_seconds"] > 0


def test_the_count_starts_again_in_the_next_window(shop, monkeypatch, frozen_throttle_clock):
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "2/min", raising=False)
    _, client = shop
    assert [client.get("/api/v1/orders/").status_code for _ in range(3)] == [200, 200, 429]

    frozen_throttle_clock[0] += 50

    assert [client.get("/api/v1/orders/").status_code for _ in range(3)] == [200, 200, 429]


def test_the_count_is_shared_through_redis_in_one_key_per_window(
    shop, monkeypatch, frozen_throttle_clock, settings
):
    import redis

    url = scratch_redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.ConnectionError:
        pytest.skip(f"Redis does not answer at {scratch_redis_url()}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "3/min", raising=False)
    _, client = shop

    answers = [client.get("/api/v1/orders/").status_code for _ in range(4)]

    server = redis.Redis.from_url(url)
    (key,) = server.keys("*throttle_storefront_*")
    assert answers == [200, 200, 200, 429]
    assert int(server.get(key)) == 4
    assert 0 < server.ttl(key) <= 61
    server.flushdb()


def test_throttling_is_per_key(shop, other_shop, monkeypatch, frozen_throttle_clock):
    monkeypatch.setattr(StorefrontKeyThrottle, "rate", "2/min", raising=False)
    _, client = shop
    _, rival = other_shop

    for _ in range(2):
        client.get("/api/v1/orders/")

    assert client.get("/api/v1/orders/").status_code == 429
    assert rival.get("/api/v1/orders/").status_code == 200


@pytest.mark.parametrize("debug", [True, False])
def test_unknown_api_urls_are_json_404_whatever_debug_says(shop, settings, debug):
    settings.DEBUG = debug
    _, client = shop

    assert_error(client.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(client.get("/api/v2/orders/"), 404, "not_found")


def test_pages_outside_the_api_keep_djangos_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_wrong_method_is_405_in_the_shape(shop):
    _, client = shop

    assert_error(client.delete("/api/v1/orders/"), 405, "method_not_allowed")


@pytest.mark.parametrize("debug", [True, False])
def test_a_crash_under_api_is_a_json_500(shop, settings, debug):
    settings.DEBUG = debug
    settings.ROOT_URLCONF = "api.tests.crash_urls"
    _, client = shop

    error = assert_error(client.get("/api/v1/crash/"), 500, "server_error")
    assert "boom" not in error["message"]


def test_django_handlers_answer_json_under_api(rf):
    from api.errors import api_or_html_404, api_or_html_500

    assert api_or_html_404(rf.get("/api/v1/x/"), Exception()).status_code == 404
    assert api_or_html_404(rf.get("/api/v1/x/"), Exception())["Content-Type"] == (
        "application/json"
    )
    assert api_or_html_500(rf.get("/api/v1/x/")).status_code == 500
    assert api_or_html_500(rf.get("/api/v1/x/"))["Content-Type"] == "application/json"


def test_schema_is_valid_openapi_3_with_the_contract_paths(client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/orders/",
        "/api/v1/orders/{number}/",
        "/api/v1/orders/{number}/cancel/",
        "/api/v1/orders/{number}/after-sales/",
        "/api/v1/orders/{number}/transitions/",
    } <= set(schema["paths"])
    create_op = schema["paths"]["/api/v1/orders/"]["post"]
    assert "examples" in create_op["requestBody"]["content"]["application/json"]
    assert {"201", "400", "401", "422", "429"} <= set(create_op["responses"])
    assert schema["components"]["securitySchemes"]["StorefrontApiKey"]["name"] == "Authorization"


def test_docs_page_serves_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn.jsdelivr" not in html


def test_create_storefront_prints_the_key_once_and_stores_only_its_hash(capsys):
    call_command("create_storefront", "Phở Shop", "--webhook-url", "https://pho.example/hooks")

    out = capsys.readouterr().out
    key = next(line for line in out.splitlines() if line.startswith("API key: ")).split(": ")[1]
    secret = next(line for line in out.splitlines() if line.startswith("Webhook secret: "))
    storefront = Storefront.objects.get(code="pho-shop")
    assert storefront.webhook_url == "https://pho.example/hooks"
    assert secret.endswith(storefront.webhook_secret)
    stored = StorefrontAPIKey.objects.get(storefront=storefront)
    assert key not in (stored.hashed_key, stored.id, stored.prefix)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert create(client, key="first").status_code == 201
    assert len(client.get("/api/v1/orders/").json()["results"]) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["Shop", "--currency", "XYZ"], "not an ISO 4217 currency code"),
        (["Shop", "--webhook-url", "ftp://x"], "is not an http(s) URL"),
    ],
)
def test_create_storefront_refuses_bad_input(db, arguments, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_storefront", *arguments)
    assert Storefront.objects.count() == 0


def test_storefront_requests_are_not_counted_against_the_anonymous_limit(
    shop, monkeypatch, frozen_throttle_clock
):
    from api.throttling import UnauthenticatedThrottle

    monkeypatch.setattr(UnauthenticatedThrottle, "rate", "2/min", raising=False)
    _, client = shop

    assert [client.get("/api/v1/orders/").status_code for _ in range(4)] == [200] * 4
    # Without credentials the API refuses first (401); open endpoints such as the
    # schema are what the per-address limit protects.
    anonymous = [APIClient().get("/api/schema/").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]


def test_a_made_up_forwarded_address_does_not_escape_the_anonymous_limit(
    monkeypatch, frozen_throttle_clock
):
    from api.throttling import UnauthenticatedThrottle

    monkeypatch.setattr(UnauthenticatedThrottle, "rate", "2/min", raising=False)
    client = APIClient(REMOTE_ADDR="10.0.0.1")

    answers = [
        client.get("/api/schema/", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}").status_code for n in range(3)
    ]

    assert answers == [200, 200, 429]
