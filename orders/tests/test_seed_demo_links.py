"""The links seed_demo prints and e-mails follow the base URL `make run` serves on."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from notifications.emails import notification_message_build
from notifications.models import Notification
from orders.demo import DEMO_API_KEY
from orders.models import Order

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("private_media")

URL = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.mark.django_db(transaction=True)  # the e-mails leave after each commit, as in make run
@pytest.mark.usefixtures("tasks_in_process")
def test_links_printed_and_e_mailed_while_seeding_follow_the_base_url(settings):
    settings.DEBUG = True
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    stdout = io.StringIO()

    call_command(
        "seed_demo", "--orders", "40", "--base-url", "http://127.0.0.1:8101/", stdout=stdout
    )

    output = stdout.getvalue()
    printed = URL.findall(output)
    assert len(printed) >= 6  # dashboard, admin, tracking page and link, bulk job, API
    assert {urlsplit(url).netloc for url in printed} == {"127.0.0.1:8101"}
    assert "Staff dashboard: http://127.0.0.1:8101/dashboard/" in output
    assert re.search(r"Tracking link of order OR\w+: http://127\.0\.0\.1:8101/track/\S+/", output)
    assert f"Api-Key {DEMO_API_KEY}" in output
    # Every link of every e-mail sent while seeding points at 8101.
    assert mail.outbox
    for message in mail.outbox:
        html = message.alternatives[0][0] if getattr(message, "alternatives", None) else ""
        ours = [
            url for url in URL.findall(message.body + html) if urlsplit(url).hostname == "127.0.0.1"
        ]
        assert {urlsplit(url).netloc for url in ours} <= {"127.0.0.1:8101"}, message.subject
    assert any("http://127.0.0.1:8101/track/" in message.body for message in mail.outbox)
    # The setting itself is left as it was.
    assert settings.PUBLIC_BASE_URL == "http://127.0.0.1:8000"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("tasks_in_process")
def test_nothing_keeps_the_seeding_port_once_the_app_serves_elsewhere(settings):
    # `make run PORT=8101`, then `make run PORT=8102` on the same database.
    settings.DEBUG = True
    stdout = io.StringIO()
    call_command(
        "seed_demo", "--orders", "20", "--base-url", "http://127.0.0.1:8101", stdout=stdout
    )
    number = re.search(r"/api/v1/orders/(OR\w+)/", stdout.getvalue()).group(1)
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8102"

    answer = Client().get(f"/api/v1/orders/{number}/", HTTP_AUTHORIZATION=f"Api-Key {DEMO_API_KEY}")

    assert answer.status_code == 200
    assert answer.json()["tracking_url"].startswith("http://127.0.0.1:8102/track/")
    # An e-mail made now (a retry, or one a worker sends late) is built with the new port.
    message = notification_message_build(Notification.objects.order_by("id").first())
    assert "http://127.0.0.1:8102/track/" in message.body
    assert "8101" not in message.body + message.alternatives[0][0]


@pytest.mark.django_db
def test_a_base_url_that_is_not_an_address_is_refused(settings):
    settings.DEBUG = True

    with pytest.raises(CommandError, match="is not an http"):
        call_command("seed_demo", "--orders", "0", "--base-url", "127.0.0.1:8101")

    assert Order.objects.count() == 0
