"""A shipped platform order tells its platform: Shopify gets a fulfillment, WooCommerce a note.

A local HTTP server stands in for each platform's API; orders are created,
packed, booked and shipped through the real services, and the after-commit
work runs as it would in production (django_capture_on_commit_callbacks).
"""

import base64
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from connectors.models import (
    Platform,
    PlatformConnection,
    PlatformDelivery,
    PlatformStatusPush,
    StatusPushAttempt,
    StatusPushStatus,
)
from connectors.platform_api import Tracking, woocommerce_note
from connectors.push_selectors import status_pushes_for_order
from connectors.secrets import secret_encrypt
from connectors.status_pushes import NOT_CONFIGURED, status_push_send_now
from connectors.tasks import status_pushes_send_due
from fulfillment.models import Shipment
from fulfillment.services import shipment_create, shipment_hand_over
from orders.models import Order, OrderStatus, Storefront
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_create, order_transition
from orders.tests.factories import (
    PATH_TO,
    CarrierFactory,
    StorefrontFactory,
    order_step,
    user_with_role,
)

from .platform_server import Answer, PlatformServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

SHOPIFY_TOKEN = "shpat_0123456789abcdef"
WOO_KEY = "ck_live_key:cs_live_secret"
SHOPIFY_BASE = "/admin/api/2024-10"
WOO_BASE = "/wp-json/wc/v3"


@pytest.fixture
def platform():
    with PlatformServer() as server:
        yield server


def connect(
    storefront: Storefront, platform: str, *, api_url: str, token: str
) -> PlatformConnection:
    return PlatformConnection.objects.create(
        storefront=storefront,
        platform=platform,
        signing_secret_encrypted=secret_encrypt("signing-secret"),
        api_url=api_url,
        api_token_encrypted=secret_encrypt(token),
    )


def order_ready_to_ship(storefront: Storefront, external_id: str) -> Order:
    """An order as a platform's delivery creates it, taken to ready-to-ship by the services."""
    order = order_create(
        storefront=storefront,
        external_id=external_id,
        platform_reference="#1001",
        customer={"email": "lan@example.com", "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        shipping_address={
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        lines=[{"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000"}],
        payment_method="cod",
        payment_status="unpaid",
        shipping_price=Decimal("30000"),
    )
    for transition, reason in PATH_TO[OrderStatus.READY_TO_SHIP]:
        order = order_step(order, transition, reason)
    return order


def came_from(connection: PlatformConnection, order: Order) -> None:
    """The delivery that made the order, as the webhook receiver stores it."""
    PlatformDelivery.objects.create(
        connection=connection,
        platform=connection.platform,
        topic="orders/create" if connection.platform == Platform.SHOPIFY else "order.created",
        delivery_id=f"delivery-{order.external_id}",
        platform_order_id=order.external_id,
        order=order,
    )


def ship(order: Order, capture) -> Order:
    """Book the shipment (carrier ghn, GHN<pk>) and ship, running the after-commit work."""
    with capture(execute=True):
        return order_step(order, "ship")


def shopify_order(platform: PlatformServer, external_id: str = "450789469") -> Order:
    storefront = StorefrontFactory()
    connection = connect(
        storefront,
        Platform.SHOPIFY,
        api_url=f"{platform.url}{SHOPIFY_BASE}",
        token=SHOPIFY_TOKEN,
    )
    order = order_ready_to_ship(storefront, external_id)
    came_from(connection, order)
    return order


def woo_order(platform: PlatformServer, external_id: str = "727") -> Order:
    storefront = StorefrontFactory()
    connection = connect(
        storefront, Platform.WOOCOMMERCE, api_url=f"{platform.url}{WOO_BASE}/", token=WOO_KEY
    )
    order = order_ready_to_ship(storefront, external_id)
    came_from(connection, order)
    return order


def shopify_answers(platform: PlatformServer, external_id: str = "450789469") -> None:
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/{external_id}/fulfillment_orders.json",
        Answer(
            200,
            {
                "fulfillment_orders": [
                    {"id": 1046000778, "order_id": int(external_id), "status": "open"},
                    {"id": 1046000779, "order_id": int(external_id), "status": "in_progress"},
                    {"id": 1046000780, "order_id": int(external_id), "status": "closed"},
                ]
            },
        ),
    )
    platform.answer(
        "POST", f"{SHOPIFY_BASE}/fulfillments.json", Answer(201, {"fulfillment": {"id": 255858046}})
    )


def woo_answers(platform: PlatformServer, external_id: str = "727", notes=()) -> None:
    platform.answer(
        "PUT", f"{WOO_BASE}/orders/{external_id}", Answer(200, {"id": 727, "status": "completed"})
    )
    platform.answer("GET", f"{WOO_BASE}/orders/{external_id}/notes", Answer(200, list(notes)))
    platform.answer("POST", f"{WOO_BASE}/orders/{external_id}/notes", Answer(201, {"id": 281}))


def make_due(push: PlatformStatusPush) -> None:
    PlatformStatusPush.objects.filter(pk=push.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )


# -- what each platform is told ---------------------------------------------------------


def test_shipping_a_shopify_order_fulfils_its_open_fulfillment_orders_with_the_tracking(
    platform, django_capture_on_commit_callbacks
):
    shopify_answers(platform)
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    shipment = Shipment.objects.get(order=order)
    assert platform.requests() == [
        ("GET", f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json"),
        ("POST", f"{SHOPIFY_BASE}/fulfillments.json"),
    ]
    assert all(r.headers["x-shopify-access-token"] == SHOPIFY_TOKEN for r in platform.received)
    assert "authorization" not in platform.received[0].headers
    assert platform.received[1].headers["content-type"] == "application/json"
    assert platform.received[1].body == {
        "fulfillment": {
            "line_items_by_fulfillment_order": [
                {"fulfillment_order_id": 1046000778},
                {"fulfillment_order_id": 1046000779},
            ],
            "tracking_info": {
                # ghn is not a company Shopify knows: our carrier's name goes.
                "company": "Giao Hàng Nhanh",
                "number": shipment.tracking_number,
                "url": f"https://track.example/{shipment.tracking_number}",
            },
            "notify_customer": False,
        }
    }
    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.SENT
    assert push.sent_at is not None
    assert (push.shipment_id, push.tracking_number, push.attempts) == (
        shipment.pk,
        shipment.tracking_number,
        1,
    )
    log = list(push.attempt_log.values_list("number", "method", "response_status"))
    assert log == [(1, "GET", 200), (1, "POST", 201)]
    assert push.attempt_log.last().url == f"{platform.url}{SHOPIFY_BASE}/fulfillments.json"
    assert '"id": 255858046' in push.attempt_log.last().response_body


def test_a_carrier_shopify_knows_goes_by_shopifys_name_for_it(
    platform, django_capture_on_commit_callbacks
):
    shopify_answers(platform)
    order = shopify_order(platform)
    carrier = CarrierFactory(code="dhl", name="DHL (our name)")
    with django_capture_on_commit_callbacks(execute=True):
        shipment_create(
            order=order,
            carrier_code=carrier.code,
            tracking_number="1234567890",
            package_ids=list(order.packages.values_list("pk", flat=True)),
            actor=None,
        )
        order_transition(order=order, transition="ship", actor=None)

    tracking_info = platform.received[1].body["fulfillment"]["tracking_info"]
    assert tracking_info == {
        "company": "DHL Express",
        "number": "1234567890",
        "url": "https://track.example/1234567890",
    }


def test_shipping_a_woocommerce_order_completes_it_with_a_private_tracking_note(
    platform, django_capture_on_commit_callbacks
):
    woo_answers(platform)
    order = ship(woo_order(platform), django_capture_on_commit_callbacks)

    shipment = Shipment.objects.get(order=order)
    tracking_url = f"https://track.example/{shipment.tracking_number}"
    assert platform.requests() == [
        ("PUT", f"{WOO_BASE}/orders/727"),
        ("GET", f"{WOO_BASE}/orders/727/notes"),
        ("POST", f"{WOO_BASE}/orders/727/notes"),
    ]
    basic = "Basic " + base64.b64encode(WOO_KEY.encode()).decode()
    assert all(r.headers["authorization"] == basic for r in platform.received)
    assert platform.received[0].body == {"status": "completed"}
    assert platform.received[2].body == {
        "note": f"Shipped with Giao Hàng Nhanh: {shipment.tracking_number} {tracking_url}",
        "customer_note": False,
    }
    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.SENT
    assert list(push.attempt_log.values_list("method", "response_status")) == [
        ("PUT", 200),
        ("GET", 200),
        ("POST", 201),
    ]


def test_a_woocommerce_order_that_has_the_note_already_gets_no_second_one(
    platform, django_capture_on_commit_callbacks
):
    order = woo_order(platform)
    number = f"GHN{order.pk:08d}"  # what order_book_shipment will book
    woo_answers(platform, notes=[{"id": 280, "note": f"Shipped with GHN: {number}"}])
    ship(order, django_capture_on_commit_callbacks)

    assert [method for method, _ in platform.requests()] == ["PUT", "GET"]
    assert PlatformStatusPush.objects.get(order=order).status == StatusPushStatus.SENT


def test_a_shopify_order_already_fulfilled_there_is_not_fulfilled_again(
    platform, django_capture_on_commit_callbacks
):
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json",
        Answer(200, {"fulfillment_orders": [{"id": 1046000780, "status": "closed"}]}),
    )
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    assert [method for method, _ in platform.requests()] == ["GET"]
    assert PlatformStatusPush.objects.get(order=order).status == StatusPushStatus.SENT


# -- retries, failures, and never twice --------------------------------------------------


def test_a_server_error_is_retried_and_both_attempts_are_logged(
    platform, django_capture_on_commit_callbacks, settings
):
    settings.CONNECTOR_PUSH_RETRY_BASE_SECONDS = 30
    woo_answers(platform)
    platform.answer(
        "PUT",
        f"{WOO_BASE}/orders/727",
        Answer(500, {"message": "database is busy"}),
        Answer(200, {"id": 727, "status": "completed"}),
    )
    order = ship(woo_order(platform), django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.PENDING
    assert push.attempts == 1
    assert push.last_error == "HTTP 500 Internal Server Error"
    # Retried after the base delay (up to 10% less, for jitter), not at once.
    wait = (push.next_attempt_at - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    assert status_push_send_now(push.pk) is None  # not due yet: nothing sent
    assert len(platform.received) == 1

    make_due(push)
    with django_capture_on_commit_callbacks(execute=True):
        assert status_pushes_send_due() == 1  # the beat sweeper finds it

    push.refresh_from_db()
    assert push.status == StatusPushStatus.SENT
    assert push.attempts == 2
    assert push.last_error == ""
    assert list(push.attempt_log.values_list("number", "method", "response_status")) == [
        (1, "PUT", 500),
        (2, "PUT", 200),
        (2, "GET", 200),
        (2, "POST", 201),
    ]
    assert push.attempt_log.first().response_body == '{"message": "database is busy"}'


def test_too_many_requests_waits_as_long_as_retry_after_says(
    platform, django_capture_on_commit_callbacks, settings
):
    settings.CONNECTOR_PUSH_RETRY_BASE_SECONDS = 1
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json",
        Answer(429, {"errors": "Exceeded 2 calls per second"}, {"Retry-After": "120"}),
    )
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.PENDING
    wait = (push.next_attempt_at - timezone.now()).total_seconds()
    assert 115 < wait <= 120


def test_an_unreachable_platform_is_retried(platform, django_capture_on_commit_callbacks):
    order = shopify_order(platform)
    PlatformConnection.objects.filter(storefront=order.storefront).update(
        api_url="http://127.0.0.1:9/admin/api/2024-10"  # nothing listens on the discard port
    )
    ship(order, django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.PENDING
    attempt = push.attempt_log.get()
    assert attempt.response_status is None
    assert attempt.error.startswith("Connection failed")


def test_a_not_found_fails_for_good(platform, django_capture_on_commit_callbacks):
    # Nothing scripted: the stand-in answers 404, as Shopify does for an order it does not have.
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.FAILED
    assert push.last_error == "HTTP 404 Not Found"
    assert push.attempt_log.count() == 1
    make_due(push)
    assert status_pushes_send_due() == 0
    assert status_push_send_now(push.pk) is None
    assert len(platform.received) == 1


def test_retries_stop_after_the_last_allowed_attempt(
    platform, django_capture_on_commit_callbacks, settings
):
    settings.CONNECTOR_PUSH_MAX_ATTEMPTS = 2
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json",
        Answer(503, {"errors": "Unavailable"}),
    )
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)
    push = PlatformStatusPush.objects.get(order=order)
    make_due(push)
    status_push_send_now(push.pk)

    push.refresh_from_db()
    assert push.status == StatusPushStatus.FAILED
    assert push.attempts == 2
    assert push.last_error == "HTTP 503 Service Unavailable Gave up after 2 attempts."


def test_a_push_already_sent_is_not_sent_again(platform, django_capture_on_commit_callbacks):
    shopify_answers(platform)
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)
    push = PlatformStatusPush.objects.get(order=order)
    make_due(push)  # even when its time says due

    # A redelivered task (acks_late) and the sweeper find nothing to do.
    assert status_push_send_now(push.pk) is None
    assert status_pushes_send_due() == 0
    assert len(platform.received) == 2
    assert StatusPushAttempt.objects.filter(push=push).count() == 2


def test_a_push_being_sent_by_one_worker_is_left_alone_by_another(
    platform, django_capture_on_commit_callbacks
):
    order = shopify_order(platform)
    # The order ships while the stand-in is unscripted: the push waits for a retry.
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json",
        Answer(502, {}),
    )
    ship(order, django_capture_on_commit_callbacks)
    push = PlatformStatusPush.objects.get(order=order)
    # Another worker holds its lease (next_attempt_at moved ahead while it sends).
    PlatformStatusPush.objects.filter(pk=push.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=60)
    )
    assert status_push_send_now(push.pk) is None
    assert status_pushes_send_due() == 0
    assert len(platform.received) == 1


# -- which orders are pushed -------------------------------------------------------------


def test_an_order_of_a_storefront_without_a_connection_sends_nothing(
    platform, django_capture_on_commit_callbacks
):
    order = order_ready_to_ship(StorefrontFactory(), "450789469")
    order = ship(order, django_capture_on_commit_callbacks)

    assert order.status == OrderStatus.SHIPPED
    assert not PlatformStatusPush.objects.exists()
    assert platform.received == []


def test_an_order_staff_took_for_a_connected_storefront_sends_nothing(
    platform, django_capture_on_commit_callbacks
):
    storefront = StorefrontFactory()
    connect(storefront, Platform.SHOPIFY, api_url=f"{platform.url}{SHOPIFY_BASE}", token="t")
    order = order_ready_to_ship(storefront, "phone-17")  # no delivery made it
    ship(order, django_capture_on_commit_callbacks)

    assert not PlatformStatusPush.objects.exists()
    assert platform.received == []


def test_a_connection_without_an_api_url_sends_nothing_and_says_so(
    platform, django_capture_on_commit_callbacks
):
    order = shopify_order(platform)
    PlatformConnection.objects.filter(storefront=order.storefront).update(api_url="")
    ship(order, django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.FAILED
    assert push.last_error == NOT_CONFIGURED
    assert push.attempts == 0
    assert platform.received == []


def test_an_inactive_connection_sends_nothing(platform, django_capture_on_commit_callbacks):
    order = shopify_order(platform)
    PlatformConnection.objects.filter(storefront=order.storefront).update(is_active=False)
    ship(order, django_capture_on_commit_callbacks)

    assert not PlatformStatusPush.objects.exists()
    assert platform.received == []


def test_an_api_url_on_a_private_address_is_refused_in_production(
    platform, django_capture_on_commit_callbacks, settings
):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    push = PlatformStatusPush.objects.get(order=order)
    assert push.status == StatusPushStatus.FAILED
    assert push.last_error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1")
    assert platform.received == []


def test_shipping_again_after_a_hold_does_not_push_the_shipment_twice(
    platform, django_capture_on_commit_callbacks
):
    shopify_answers(platform)
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        order = order_step(order, "hold", "delivery_failed")
        order = order_step(order, "release")
    assert order.status == OrderStatus.SHIPPED

    assert PlatformStatusPush.objects.filter(order=order).count() == 1
    assert len(platform.received) == 2


def test_a_shipment_handed_over_after_shipping_is_pushed_with_its_own_number(
    platform, django_capture_on_commit_callbacks
):
    woo_answers(platform)
    order = ship(woo_order(platform), django_capture_on_commit_callbacks)
    first = Shipment.objects.get(order=order)
    CarrierFactory(code="vnpost", name="Vietnam Post")
    with django_capture_on_commit_callbacks(execute=True):
        leg = shipment_hand_over(
            order=order,
            previous_leg_id=first.pk,
            carrier_code="vnpost",
            tracking_number="EE123456789VN",
            actor=None,
        )

    pushes = PlatformStatusPush.objects.filter(order=order).order_by("pk")
    assert [(p.shipment_id, p.tracking_number, p.status) for p in pushes] == [
        (first.pk, first.tracking_number, StatusPushStatus.SENT),
        (leg.pk, "EE123456789VN", StatusPushStatus.SENT),
    ]
    assert platform.received[-1].body["note"].startswith("Shipped with Vietnam Post: EE123456789VN")


def test_a_hand_over_after_shipping_updates_the_tracking_of_the_shopify_fulfillment(
    platform, django_capture_on_commit_callbacks
):
    shopify_answers(platform)
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)
    first = Shipment.objects.get(order=order)
    # Shopify now has everything fulfilled, under the first leg's number.
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json",
        Answer(200, {"fulfillment_orders": [{"id": 1046000778, "status": "closed"}]}),
    )
    platform.answer(
        "GET",
        f"{SHOPIFY_BASE}/orders/450789469/fulfillments.json",
        Answer(
            200,
            {
                "fulfillments": [
                    {"id": 1, "status": "cancelled", "tracking_number": first.tracking_number},
                    {
                        "id": 255858046,
                        "status": "success",
                        "tracking_number": first.tracking_number,
                        "tracking_numbers": [first.tracking_number],
                    },
                ]
            },
        ),
    )
    platform.answer(
        "POST",
        f"{SHOPIFY_BASE}/fulfillments/255858046/update_tracking.json",
        Answer(200, {"fulfillment": {"id": 255858046}}),
    )
    CarrierFactory(code="vnpost", name="Vietnam Post")
    with django_capture_on_commit_callbacks(execute=True):
        shipment_hand_over(
            order=order,
            previous_leg_id=first.pk,
            carrier_code="vnpost",
            tracking_number="EE123456789VN",
            actor=None,
        )

    assert platform.requests()[2:] == [
        ("GET", f"{SHOPIFY_BASE}/orders/450789469/fulfillment_orders.json"),
        ("GET", f"{SHOPIFY_BASE}/orders/450789469/fulfillments.json"),
        ("POST", f"{SHOPIFY_BASE}/fulfillments/255858046/update_tracking.json"),
    ]
    assert platform.received[-1].body == {
        "fulfillment": {
            "tracking_info": {
                "company": "Vietnam Post",
                "number": "EE123456789VN",
                "url": "https://track.example/EE123456789VN",
            },
            "notify_customer": False,
        }
    }
    statuses = PlatformStatusPush.objects.filter(order=order).values_list("status", flat=True)
    assert list(statuses) == [StatusPushStatus.SENT, StatusPushStatus.SENT]


def test_the_note_names_carrier_number_and_link():
    tracking = Tracking(carrier_code="ghn", carrier_name="GHN", number="A1", url="https://t/A1")
    assert woocommerce_note(tracking) == "Shipped with GHN: A1 https://t/A1"
    assert woocommerce_note(Tracking("ghn", "GHN", "A1", "")) == "Shipped with GHN: A1"


# -- what staff see ----------------------------------------------------------------------


def test_the_selector_reads_an_orders_pushes_and_their_log_in_two_queries(
    platform, django_capture_on_commit_callbacks
):
    shopify_answers(platform)
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)

    with CaptureQueriesContext(db_connection) as queries:
        pushes = list(status_pushes_for_order(order))
        methods = [[a.method for a in push.attempt_log.all()] for push in pushes]
        platforms = [push.connection.platform for push in pushes]
    assert methods == [["GET", "POST"]]
    assert platforms == ["shopify"]
    assert len(queries) == 2


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_staff_see_the_log_and_a_manager_sends_a_failed_push_again(
    platform, django_capture_on_commit_callbacks, client
):
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)  # 404: failed
    push = PlatformStatusPush.objects.get(order=order)
    client.force_login(user_with_role(MANAGER))

    listing = client.get(reverse("admin:connectors_platformstatuspush_changelist"))
    page = client.get(reverse("admin:connectors_platformstatuspush_change", args=[push.pk]))
    assert listing.status_code == 200 and order.number in listing.content.decode()
    assert "HTTP 404 Not Found" in listing.content.decode()
    assert page.status_code == 200
    assert "fulfillment_orders.json" in page.content.decode()

    shopify_answers(platform)  # the shop fixed on Shopify's side
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:connectors_platformstatuspush_changelist"),
            {"action": "send_again", "_selected_action": [push.pk]},
        )
    assert response.status_code == 302
    push.refresh_from_db()
    assert push.status == StatusPushStatus.SENT
    assert push.attempts == 2
    assert [m for m, _ in platform.requests()] == ["GET", "GET", "POST"]


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_sending_again_needs_the_permission(platform, django_capture_on_commit_callbacks, client):
    order = ship(shopify_order(platform), django_capture_on_commit_callbacks)  # 404: failed
    push = PlatformStatusPush.objects.get(order=order)
    user = user_with_role(WAREHOUSE)
    user.user_permissions.add(Permission.objects.get(codename="view_platformstatuspush"))
    client.force_login(user)

    listing = client.get(reverse("admin:connectors_platformstatuspush_changelist"))
    assert listing.status_code == 200
    assert "send_again" not in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:connectors_platformstatuspush_changelist"),
            {"action": "send_again", "_selected_action": [push.pk]},
        )
    push.refresh_from_db()
    assert push.status == StatusPushStatus.FAILED
    assert len(platform.received) == 1


def test_beat_sweeps_pending_pushes_every_minute_on_the_outgoing_http_queue(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["connectors.status_pushes_send_due"]
    assert (entry["task"], entry["schedule"]) == ("connectors.status_pushes_send_due", 60.0)
    assert settings.CELERY_TASK_ROUTES["connectors.status_push_send"] == {"queue": "webhooks"}
    # The longest wait between tries stays below the broker's redelivery timeout.
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > settings.CONNECTOR_PUSH_RETRY_MAX_DELAY_SECONDS
