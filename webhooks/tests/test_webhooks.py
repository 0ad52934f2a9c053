"""Storefront webhooks: what is sent, signed how, retried when, and never sent twice.

Deliveries go over real HTTP to a small server on 127.0.0.1 that answers from a
script; Celery runs eagerly and after-commit work runs through
`django_capture_on_commit_callbacks`.
"""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from orders.roles import WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import StorefrontFactory, UserFactory, order_new, user_with_role
from webhooks.delivery import (
    webhook_body,
    webhook_event_deliver_now,
    webhook_events_due,
    webhook_retry_delay,
    webhook_signature,
)
from webhooks.models import (
    WebhookAttempt,
    WebhookEvent,
    WebhookEventStatus,
    WebhookEventType,
)
from webhooks.services import webhook_event_resend
from webhooks.tasks import webhook_event_deliver, webhook_events_send_due

PENDING = WebhookEventStatus.PENDING
DELIVERED = WebhookEventStatus.DELIVERED
FAILED = WebhookEventStatus.FAILED


# --- a real HTTP receiver -------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0  # seconds to wait before answering (a timeout, seen from the sender)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


class Receiver:
    """Records (headers, raw body) of each request; answers from `script`, then 200."""

    def __init__(self) -> None:
        self.requests: list[tuple] = []
        self.script: list[Reply] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _ReceiverHandler)
        self.server.receiver = self
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/orders"
        # A short poll keeps shutdown() quick at teardown.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def answer(self, *replies: Reply | int) -> None:
        self.script.extend(Reply(r) if isinstance(r, int) else r for r in replies)

    def take(self, method: str, headers, body: bytes) -> Reply:
        with self._lock:
            self.requests.append((method, headers, body))
            return self.script.pop(0) if self.script else Reply()

    @property
    def ids(self) -> list[str]:
        return [headers["X-Webhook-Id"] for _, headers, _ in self.requests]

    @property
    def bodies(self) -> list[bytes]:
        return [body for _, _, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = self.server.receiver.take(self.command, self.headers, body)
        time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the sender stopped waiting

    do_GET = do_POST  # a followed redirect would arrive as a GET

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receivers():
    started: list[Receiver] = []

    def start() -> Receiver:
        started.append(Receiver())
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def receiver(receivers) -> Receiver:
    return receivers()


@pytest.fixture(autouse=True)
def celery_eager():
    """Run tasks in this process even when CI configures a Redis broker."""
    from orders_project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    # Every scripted reply is immediate unless a test says otherwise; fail fast if not.
    settings.WEBHOOK_TIMEOUT_SECONDS = 3


# --- helpers -----------------------------------------------------------------------------


def event_of(order, event_type=WebhookEventType.ORDER_CREATED) -> WebhookEvent:
    return WebhookEvent.objects.get(order=order, event_type=event_type)


def attempts_of(event) -> list[tuple]:
    return list(
        WebhookAttempt.objects.filter(event=event)
        .order_by("number")
        .values_list("number", "outcome", "response_status")
    )


def make_due(event) -> None:
    """Pretend the retry delay has passed."""
    WebhookEvent.objects.filter(pk=event.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.fixture
def order_undelivered(django_capture_on_commit_callbacks):
    """Create an order whose order.created event is recorded but not sent yet."""

    def create(storefront):
        with django_capture_on_commit_callbacks(execute=False):
            order = order_new(storefront=storefront)
        return order, event_of(order)

    return create


# --- 1, 2: what is sent ------------------------------------------------------------------


@pytest.mark.django_db
def test_order_created_is_delivered_once_signed_with_the_storefront_secret(
    receiver, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=storefront)

    event = event_of(order)
    assert len(receiver.requests) == 1
    method, headers, body = receiver.requests[0]
    assert method == "POST"
    expected = hmac.new(storefront.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Signature"], f"sha256={expected}")
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == "order-status-webhooks/1"
    assert headers["X-Webhook-Id"] == str(event.pk)
    assert headers["X-Webhook-Type"] == "order.created"
    assert headers["X-Webhook-Attempt"] == "1"
    assert body == json.dumps(event.payload, separators=(",", ":"), sort_keys=True).encode()
    sent = json.loads(body)
    assert sent == event.payload
    assert sorted(sent) == ["created_at", "data", "id", "type"]
    assert (sent["id"], sent["type"]) == (str(event.pk), "order.created")
    assert sent["data"]["order"]["number"] == order.number
    assert sent["data"]["order"]["status"] == "received"
    assert (event.status, event.attempts, event.last_error) == (DELIVERED, 1, "")
    assert event.delivered_at is not None
    assert event.lease_until is None
    attempt = WebhookAttempt.objects.get(event=event)
    assert (attempt.number, attempt.outcome, attempt.response_status) == (1, "delivered", 200)
    assert (attempt.url, attempt.response_body, attempt.error) == (receiver.url, "ok", "")


@pytest.mark.django_db
def test_signature_is_hmac_sha256_of_the_exact_body():
    body = webhook_body({"type": "order.created", "id": "x", "data": {"b": 1, "a": "ă"}})

    assert body == b'{"data":{"a":"\\u0103","b":1},"id":"x","type":"order.created"}'
    assert webhook_signature("s3cret", body) == (
        "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    )


@pytest.mark.django_db
def test_status_change_sends_order_status_changed_with_from_and_to(
    receiver, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=storefront)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, transition="confirm", actor=None)

    event = event_of(order, WebhookEventType.ORDER_STATUS_CHANGED)
    assert len(receiver.requests) == 2
    _, headers, body = receiver.requests[1]
    sent = json.loads(body)
    assert (sent["id"], sent["type"]) == (str(event.pk), "order.status_changed")
    assert headers["X-Webhook-Type"] == "order.status_changed"
    assert sent["data"]["transition"] == "confirm"
    assert (sent["data"]["from_status"], sent["data"]["to_status"]) == ("received", "processing")
    assert sent["data"]["order"]["status"] == "processing"
    assert event.status == DELIVERED


# --- 3, 4: retries ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_500_is_retried_later_with_the_same_id_and_body(
    receiver, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    receiver.answer(Reply(500, body=b"database down"))

    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=storefront)

    event = event_of(order)
    assert (event.status, event.attempts, event.last_error) == (
        PENDING,
        1,
        "HTTP 500 Internal Server Error",
    )
    assert attempts_of(event) == [(1, "retry", 500)]
    assert WebhookAttempt.objects.get(event=event).response_body == "database down"
    assert 25 <= (event.next_attempt_at - timezone.now()).total_seconds() <= 30
    assert event.lease_until is None

    # Not due yet: another run sends nothing.
    webhook_event_deliver.delay(str(event.pk))
    assert len(receiver.requests) == 1

    make_due(event)
    webhook_event_deliver.delay(str(event.pk))

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (DELIVERED, 2, "")
    assert attempts_of(event) == [(1, "retry", 500), (2, "delivered", 200)]
    assert len(receiver.requests) == 2
    assert receiver.ids == [str(event.pk), str(event.pk)]
    assert receiver.bodies[0] == receiver.bodies[1]
    assert [h["X-Webhook-Attempt"] for _, h, _ in receiver.requests] == ["1", "2"]
    assert receiver.requests[0][1]["X-Signature"] == receiver.requests[1][1]["X-Signature"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reply", "status", "error"),
    [
        (Reply(408), 408, "HTTP 408 Request Timeout"),
        (Reply(429), 429, "HTTP 429 Too Many Requests"),
        (Reply(503), 503, "HTTP 503 Service Unavailable"),
        (Reply(200, delay=0.8), None, "No answer within 0.3 s (timeout)."),
    ],
    ids=["408", "429", "503", "timeout"],
)
def test_timeouts_5xx_408_and_429_are_retried(
    reply,
    status,
    error,
    receiver,
    order_undelivered,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(reply)

    with django_capture_on_commit_callbacks() as scheduled:
        webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (PENDING, 1, error)
    assert event.next_attempt_at > timezone.now()
    assert attempts_of(event) == [(1, "retry", status)]
    assert len(receiver.requests) == 1
    # One retry is scheduled after commit; run eagerly it leaves the event to the sweeper.
    assert len(scheduled) == 1
    scheduled[0]()
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_connection_refused_is_retried(
    receivers, order_undelivered, django_capture_on_commit_callbacks
):
    gone = receivers()
    gone.close()
    _, event = order_undelivered(StorefrontFactory(webhook_url=gone.url))

    with django_capture_on_commit_callbacks() as scheduled:
        webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts) == (PENDING, 1)
    assert event.last_error.startswith("Connection failed: ")
    assert attempts_of(event) == [(1, "retry", None)]
    assert len(scheduled) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(404), "HTTP 404 Not Found"),
        (Reply(400), "HTTP 400 Bad Request"),
        (Reply(410), "HTTP 410 Gone"),
        (Reply(302, headers={"Location": "/elsewhere"}), "HTTP 302 Found"),
    ],
    ids=["404", "400", "410", "302-not-followed"],
)
def test_other_4xx_and_3xx_fail_for_good_without_a_retry(
    reply, error, receiver, order_undelivered, django_capture_on_commit_callbacks
):
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(reply)

    with django_capture_on_commit_callbacks() as scheduled:
        webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (FAILED, 1, error)
    assert event.lease_until is None
    assert attempts_of(event) == [(1, "failed", reply.status)]
    assert scheduled == []
    assert [method for method, _, _ in receiver.requests] == ["POST"]

    make_due(event)
    assert webhook_event_deliver_now(event.pk) is None
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_storefront_without_webhook_url_any_more_fails_with_a_clear_error(
    receiver, order_undelivered, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    _, event = order_undelivered(storefront)
    storefront.webhook_url = ""
    storefront.save()

    with django_capture_on_commit_callbacks() as scheduled:
        webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts) == (FAILED, 1)
    assert event.last_error == "The storefront has no webhook URL any more; nothing was sent."
    assert attempts_of(event) == [(1, "failed", None)]
    assert scheduled == []
    assert receiver.requests == []


# --- 5: backoff and the retry window -----------------------------------------------------


def test_retry_delay_doubles_from_the_base_up_to_the_cap_with_at_most_10_percent_off(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 7200
    expected = {1: 30, 2: 60, 3: 120, 4: 240, 5: 480, 6: 960, 7: 1920, 8: 3840, 9: 7200}
    expected |= {10: 7200, 50: 7200, 5000: 7200}

    for attempts, ceiling in expected.items():
        delays = [webhook_retry_delay(attempts=attempts) for _ in range(200)]
        assert all(ceiling * 0.9 <= delay <= ceiling for delay in delays), attempts
        assert len(set(delays)) > 1  # jittered


def test_a_larger_retry_after_wins_but_stays_capped(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 600

    assert webhook_retry_delay(attempts=1, retry_after=120) == 120
    assert webhook_retry_delay(attempts=1, retry_after=5000) == 600
    assert 27 <= webhook_retry_delay(attempts=1, retry_after=5) <= 30


@pytest.mark.django_db
def test_backoff_of_an_event_grows_exponentially_and_is_capped(
    receiver, order_undelivered, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 120
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(*[500] * 5)

    for ceiling in [30, 60, 120, 120, 120]:
        make_due(event)
        before = timezone.now()
        webhook_event_deliver_now(event.pk)
        after = timezone.now()
        event.refresh_from_db()
        # The delay was added to a time between `before` and `after`.
        assert (event.next_attempt_at - before).total_seconds() >= ceiling * 0.9
        assert (event.next_attempt_at - after).total_seconds() <= ceiling

    assert event.status == PENDING
    assert [number for number, _, _ in attempts_of(event)] == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_a_429_retry_after_longer_than_the_backoff_is_honoured(
    receiver, order_undelivered, settings
):
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 7200
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(Reply(429, headers={"Retry-After": "600"}))

    before = timezone.now()
    webhook_event_deliver_now(event.pk)
    after = timezone.now()

    event.refresh_from_db()
    assert event.status == PENDING
    assert before + timedelta(seconds=600) <= event.next_attempt_at
    assert event.next_attempt_at <= after + timedelta(seconds=600)


@pytest.mark.django_db
def test_retries_continue_inside_the_window_and_the_event_fails_after_it(
    receiver, order_undelivered, settings
):
    assert settings.WEBHOOK_RETRY_FOR_SECONDS == 26 * 3600
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(503, 503)

    WebhookEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(hours=25, minutes=59)
    )
    webhook_event_deliver_now(event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (PENDING, 1)

    WebhookEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(hours=26, seconds=1)
    )
    make_due(event)
    webhook_event_deliver_now(event.pk)

    event.refresh_from_db()
    assert (event.status, event.attempts) == (FAILED, 2)
    assert event.last_error == (
        "HTTP 503 Service Unavailable Gave up: retries stop 26 h after the event."
    )
    assert attempts_of(event) == [(1, "retry", 503), (2, "failed", 503)]
    make_due(event)
    assert webhook_event_deliver_now(event.pk) is None
    assert len(receiver.requests) == 2


# --- 6, 7: never twice, and storefronts apart --------------------------------------------


@pytest.mark.django_db
def test_delivering_a_delivered_event_again_sends_nothing(
    receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = event_of(order)

    webhook_event_deliver.delay(str(event.pk))
    make_due(event)
    assert webhook_event_deliver_now(event.pk) is None

    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 1)
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.filter(event=event).count() == 1


@pytest.mark.django_db
def test_a_leased_event_is_left_to_the_worker_that_holds_it(receiver, order_undelivered):
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_until=timezone.now() + timedelta(seconds=20)
    )

    assert webhook_event_deliver_now(event.pk) is None
    assert receiver.requests == []

    WebhookEvent.objects.filter(pk=event.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert webhook_event_deliver_now(event.pk).status == DELIVERED
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent deliveries need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
)
def test_two_concurrent_deliveries_send_exactly_one_request(receiver):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    receiver.answer(500)  # the first try, at creation, leaves the event pending
    order = order_new(storefront=storefront)
    event = event_of(order)
    assert event.status == PENDING
    make_due(event)
    receiver.answer(Reply(200, delay=0.3))
    start = threading.Barrier(2)
    results: list = []

    def deliver():
        try:
            start.wait(5)
            results.append(webhook_event_deliver_now(event.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(receiver.requests) == 2  # the 500 at creation, then exactly one more
    assert sorted(result is None for result in results) == [False, True]
    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 2)
    assert attempts_of(event) == [(1, "retry", 500), (2, "delivered", 200)]


@pytest.mark.django_db
def test_one_storefront_failing_does_not_change_what_another_receives(
    receivers, django_capture_on_commit_callbacks
):
    receiver_a, receiver_b = receivers(), receivers()
    receiver_a.answer(500, 500)
    shop_a = StorefrontFactory(webhook_url=receiver_a.url)
    shop_b = StorefrontFactory(webhook_url=receiver_b.url)

    with django_capture_on_commit_callbacks(execute=True):
        order_a = order_new(storefront=shop_a)
        order_b = order_new(storefront=shop_b)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order_a, transition="confirm", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order_b, transition="confirm", actor=None)

    events_a = list(WebhookEvent.objects.filter(storefront=shop_a).order_by("created_at"))
    events_b = list(WebhookEvent.objects.filter(storefront=shop_b).order_by("created_at"))
    assert receiver_b.ids == [str(event.pk) for event in events_b]
    assert [event.status for event in events_b] == [DELIVERED, DELIVERED]
    assert [json.loads(body)["type"] for body in receiver_b.bodies] == [
        "order.created",
        "order.status_changed",
    ]
    assert receiver_a.ids == [str(event.pk) for event in events_a]
    assert [(event.status, event.attempts) for event in events_a] == [(PENDING, 1), (PENDING, 1)]
    assert {event.order_id for event in events_b} == {order_b.pk}


# --- 8: resend ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_resend_delivers_again_under_the_same_id(receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = event_of(order)

    with django_capture_on_commit_callbacks(execute=True):
        resent = webhook_event_resend(event=event, actor=None)

    assert resent.pk == event.pk
    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 2)
    assert attempts_of(event) == [(1, "delivered", 200), (2, "delivered", 200)]
    assert receiver.ids == [str(event.pk), str(event.pk)]
    assert receiver.bodies[0] == receiver.bodies[1]


@pytest.mark.django_db
def test_resend_revives_a_failed_event(
    receiver, order_undelivered, django_capture_on_commit_callbacks
):
    _, event = order_undelivered(StorefrontFactory(webhook_url=receiver.url))
    receiver.answer(404)
    webhook_event_deliver_now(event.pk)
    event.refresh_from_db()
    assert event.status == FAILED

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_resend(event=event, actor=None)

    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (DELIVERED, 2, "")
    assert attempts_of(event) == [(1, "failed", 404), (2, "delivered", 200)]


@pytest.mark.django_db
def test_admin_resend_action_redelivers_the_selected_events(
    client, receiver, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = event_of(order)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:webhooks_webhookevent_changelist"),
            {"action": "resend_selected", "_selected_action": [str(event.pk)]},
            follow=True,
        )

    assert response.status_code == 200
    assert "1 webhook event will be sent again." in response.content.decode()
    assert receiver.ids == [str(event.pk), str(event.pk)]
    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 2)


@pytest.mark.django_db
def test_admin_change_page_shows_the_attempts_and_its_resend_button_resends(
    client, receiver, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(is_superuser=True))
    receiver.answer(Reply(500, body=b"try later"))
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = event_of(order)
    resend_url = reverse("admin:webhooks_webhookevent_resend", args=[event.pk])

    page = client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "try later" in content
    assert f'formaction="{resend_url}"' in content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(resend_url)

    assert response.status_code == 302
    assert receiver.ids == [str(event.pk), str(event.pk)]
    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 2)


@pytest.mark.django_db
def test_admin_list_finds_events_by_id_and_order_number(
    client, receiver, order_undelivered, django_assert_num_queries
):
    client.force_login(UserFactory(is_superuser=True))
    storefront = StorefrontFactory(webhook_url=receiver.url)
    order, event = order_undelivered(storefront)
    _, other = order_undelivered(storefront)
    changelist = reverse("admin:webhooks_webhookevent_changelist")

    for query in [str(event.pk), order.number]:
        page = client.get(changelist, {"q": query})
        assert page.status_code == 200
        assert [row.pk for row in page.context["cl"].result_list] == [event.pk]
    # Session, user, filter choices, counts, date range and one page of rows that
    # bring their storefront and order along: no query per row.
    with django_assert_num_queries(7):
        page = client.get(changelist)
    assert {row.pk for row in page.context["cl"].result_list} == {event.pk, other.pk}


@pytest.mark.usefixtures("admin_open_to_every_role")
@pytest.mark.django_db
def test_staff_who_may_only_view_events_cannot_resend(
    client, receiver, django_capture_on_commit_callbacks
):
    # In a role, or the admin would not let them in at all.
    viewer = user_with_role(WAREHOUSE)
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookevent"))
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_new(storefront=StorefrontFactory(webhook_url=receiver.url))
    event = event_of(order)
    changelist = reverse("admin:webhooks_webhookevent_changelist")

    assert client.get(changelist).status_code == 200
    assert "resend_selected" not in client.get(changelist).content.decode()
    page = client.get(reverse("admin:webhooks_webhookevent_change", args=[event.pk]))
    assert "formaction=" not in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "resend_selected", "_selected_action": [event.pk]})
        refused = client.post(reverse("admin:webhooks_webhookevent_resend", args=[event.pk]))

    assert refused.status_code == 403
    assert len(receiver.requests) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (DELIVERED, 1)


# --- 9: the sweeper ----------------------------------------------------------------------


@pytest.mark.django_db
def test_sweeper_enqueues_only_due_unleased_pending_events(receiver, order_undelivered):
    storefront = StorefrontFactory(webhook_url=receiver.url)
    events = {name: order_undelivered(storefront)[1] for name in range(7)}
    now = timezone.now()
    overdue = now - timedelta(seconds=120)
    states = {
        0: {"next_attempt_at": overdue},  # due
        1: {"next_attempt_at": overdue - timedelta(seconds=60), "lease_until": now},  # lapsed
        2: {"next_attempt_at": now - timedelta(seconds=30)},  # its own task is still due
        3: {"next_attempt_at": overdue, "lease_until": now + timedelta(seconds=40)},  # sending
        4: {"next_attempt_at": overdue, "status": DELIVERED},
        5: {"next_attempt_at": overdue, "status": FAILED},
        6: {"next_attempt_at": now + timedelta(seconds=60)},
    }
    for name, values in states.items():
        WebhookEvent.objects.filter(pk=events[name].pk).update(**values)

    assert webhook_events_due() == [events[1].pk, events[0].pk]
    assert webhook_events_due(limit=1) == [events[1].pk]

    webhook_events_send_due.delay()

    assert sorted(receiver.ids) == sorted([str(events[0].pk), str(events[1].pk)])
    statuses = dict(WebhookEvent.objects.values_list("pk", "status"))
    assert [statuses[events[name].pk] for name in range(7)] == [
        DELIVERED,
        DELIVERED,
        PENDING,
        PENDING,
        DELIVERED,
        FAILED,
        PENDING,
    ]


def test_the_sweeper_runs_every_minute_and_webhook_tasks_use_their_own_queue(settings):
    assert settings.CELERY_BEAT_SCHEDULE["orders.webhook_events_send_due"]["task"] == (
        "orders.webhook_events_send_due"
    )
    assert settings.CELERY_BEAT_SCHEDULE["orders.webhook_events_send_due"]["schedule"] == 60.0
    assert settings.CELERY_TASK_ROUTES["orders.webhook_event_deliver"] == {"queue": "webhooks"}
    assert settings.CELERY_TASK_ROUTES["orders.webhook_events_send_due"] == {"queue": "webhooks"}
