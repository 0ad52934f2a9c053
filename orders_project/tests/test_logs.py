"""The request id: taken or made by the middleware, echoed, and on every log line."""

import copy
import io
import json
import logging
import logging.config
import re
import subprocess
import sys

import pytest
from django.conf import settings

from shared.logs import request_id_get, task_var

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = "orders_project.tests.urls"


def _from_settings(kind: str, name: str):
    """Build the formatter or filter `name` exactly as settings.LOGGING defines it."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    definition = configurator.config[kind][name]
    if kind == "formatters":
        return configurator.configure_formatter(definition)
    return configurator.configure_filter(definition)


@pytest.fixture
def json_lines():
    """Capture the root logger's records as the production (JSON) handler writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_from_settings("formatters", "json"))
    handler.addFilter(_from_settings("filters", "request_context"))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


# -- the header ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "incoming",
    ["abc123", "lb-7f3a.9_Z", "a" * 200, "0123456789abcdef0123456789abcdef"],
)
def test_a_safe_incoming_request_id_is_echoed(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert response.status_code == 200
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "a" * 201,
        "has space",
        'quote"injection',
        "new\nline",
        "semi;colon",
        "ünïcode",
        "",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced_by_a_new_one(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)

    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_without_an_incoming_id_each_request_gets_its_own(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert HEX_ID.fullmatch(first)
    assert HEX_ID.fullmatch(second)
    assert first != second


def test_api_errors_carry_the_header_too(client):
    response = client.get("/api/v1/no-such-endpoint/", HTTP_X_REQUEST_ID="err-1")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "err-1"
    assert response.json()["error"]["code"] == "not_found"


def test_the_id_is_forgotten_once_the_request_finished(client):
    client.get("/healthz", HTTP_X_REQUEST_ID="gone-after")

    assert request_id_get() is None


# -- the log lines -----------------------------------------------------------------------


def test_a_line_logged_in_a_view_is_json_with_the_request_id_and_extra_fields(
    client, test_urls, json_lines
):
    response = client.get("/test/log/", HTTP_X_REQUEST_ID="req-view-1")

    assert response.status_code == 200
    [line] = [line for line in json_lines() if line["logger"] == "orders_project.tests.urls"]
    assert line["level"] == "INFO"
    assert line["message"] == "test view says hello"
    assert line["request_id"] == "req-view-1"
    assert line["order_number"] == "ORD-42"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])
    assert "task_id" not in line


def test_django_s_own_4xx_line_after_the_middleware_still_has_the_request_id(client, json_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")

    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == "req-404"
    assert line["status_code"] == 404


def test_a_line_outside_any_request_has_no_request_id_and_keeps_the_exception(json_lines):
    try:
        raise ValueError("bad value 7")
    except ValueError:
        logging.getLogger("orders.test").exception("it failed")

    [line] = json_lines()
    assert set(line) == {"timestamp", "level", "logger", "message", "exception"}
    assert line["level"] == "ERROR"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: bad value 7")


def test_a_line_inside_a_task_names_the_task(json_lines):
    token = task_var.set(("5f1c-task", "customers.notification_send"))
    try:
        logging.getLogger("customers.test").info("sending")
    finally:
        task_var.reset(token)

    [line] = json_lines()
    assert line["task_id"] == "5f1c-task"
    assert line["task_name"] == "customers.notification_send"


def test_an_eager_task_run_in_a_request_logs_that_request_s_id(db, json_lines):
    from celery import shared_task

    from shared.logs import request_id_var

    @shared_task(name="orders_project.tests.say")
    def say():
        logging.getLogger("orders_project.tests").info("in the task")

    token = request_id_var.set("req-eager")
    try:
        say.apply()
    finally:
        request_id_var.reset(token)

    [line] = [line for line in json_lines() if line["message"] == "in the task"]
    assert line["request_id"] == "req-eager"
    assert line["task_name"] == "orders_project.tests.say"
    assert task_var.get() is None


# -- the settings ------------------------------------------------------------------------

CONFIG_KEYS = {"DEBUG", "LOG_FORMAT", "LOG_LEVEL", "SENTRY_DSN", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _settings_in_a_fresh_process(**environment: str) -> subprocess.CompletedProcess:
    import os

    env = {key: value for key, value in os.environ.items() if key not in CONFIG_KEYS}
    env.update(DJANGO_SETTINGS_MODULE="orders_project.settings", SECRET_KEY="s" * 50)
    env.update(environment)
    script = (
        "import django, json, logging, sentry_sdk; django.setup(); "
        "from django.conf import settings as s; "
        "handler = logging.getLogger().handlers[0]; "
        "print(json.dumps({'format': s.LOG_FORMAT, 'formatter': type(handler.formatter).__name__,"
        " 'level': logging.getLevelName(logging.getLogger().level),"
        " 'sentry': sentry_sdk.get_client().is_active()}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DEBUG": "0"}, {"format": "json", "formatter": "JsonFormatter", "level": "INFO"}),
        ({"DEBUG": "1"}, {"format": "plain", "formatter": "Formatter", "level": "INFO"}),
        (
            {"DEBUG": "0", "LOG_FORMAT": "plain", "LOG_LEVEL": "warning"},
            {"format": "plain", "formatter": "Formatter", "level": "WARNING"},
        ),
        ({"DEBUG": "1", "LOG_FORMAT": "json"}, {"format": "json", "formatter": "JsonFormatter"}),
    ],
)
def test_log_format_defaults_to_json_without_debug_and_plain_with_it(environment, expected):
    result = _settings_in_a_fresh_process(**environment)

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert {key: seen[key] for key in expected} == expected
    assert seen["sentry"] is False  # no SENTRY_DSN: the SDK is not started


def test_an_unknown_log_format_refuses_to_start():
    result = _settings_in_a_fresh_process(LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT must be 'json' or 'plain', not 'xml'" in result.stderr
