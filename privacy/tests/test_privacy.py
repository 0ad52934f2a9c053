"""A customer's personal data: exported whole, and erased everywhere while the orders stay."""

import json
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from customers.models import (
    Address,
    Customer,
    PersonalDataAction,
    PersonalDataActionKind,
)
from fulfillment.models import AfterSalesPhoto, AfterSalesRequest
from fulfillment.services import after_sales_request_open, tracking_event_record
from fulfillment.services.after_sales import after_sales_request_advance
from notifications.delivery import notification_send_now
from notifications.models import Notification, NotificationStatus
from orders.links import tracking_url
from orders.models import Order, OrderChangeRequest, OrderEvent, OrderStatus, Region
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.services import (
    change_request_reject,
    change_request_submit,
    order_create,
    order_transition,
)
from orders.tests.factories import (
    StorefrontFactory,
    UserFactory,
    order_book_shipment,
    order_pack_everything,
    order_pick_everything,
    user_with_role,
)
from privacy.services import customer_data_export, customer_erase
from reports.models import LedgerEntry
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied
from tracking.selectors import order_lookup
from webhooks.models import WebhookAttempt, WebhookEvent

pytestmark = pytest.mark.django_db

# What the person gave us, each string unusual enough to be found only where it was stored.
NAME = "Trần Bích Riêngtư"
EMAIL = "bich.riengtu@example.com"
PHONE = "+84 912 345 678"
ADDRESS = {
    "name": "Trần Bích Riêngtư",
    "line1": "99 Đường Bímật",
    "line2": "Phòng 7B Tầng Kín",
    "city": "Làng Ẩndanh",
    "postal_code": "709915",
    "country": "VN",
    "phone": "+84 987 111 222",
}
REASON = "Cái cốc vỡ khi tôi mở hộp ở nhà"
MOVED_TO = "99 Ngõ Bíẩn Riêngtư"
PERSONAL_STRINGS = [
    NAME,
    EMAIL,
    PHONE,
    ADDRESS["line1"],
    ADDRESS["line2"],
    ADDRESS["city"],
    ADDRESS["postal_code"],
    ADDRESS["phone"],
    REASON,
    MOVED_TO,
]


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path, private_cache):
    settings.MEDIA_ROOT = tmp_path / "media"


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


_external_ids = iter(range(1, 10**6))


def order_for_person(storefront, *, payment_method="card", payment_status="paid") -> Order:
    return order_create(
        storefront=storefront,
        external_id=f"priv-{next(_external_ids)}",
        customer={"email": EMAIL, "name": NAME, "phone": PHONE},
        shipping_address=dict(ADDRESS),
        lines=[
            {"sku": "MUG-1", "name": "Mug", "quantity": 2, "unit_price": "120000"},
            {"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "85001"},
        ],
        payment_method=payment_method,
        payment_status=payment_status,
    )


def delivered_order_with_request(storefront) -> Order:
    """A paid order taken to delivery, with a rejected return that has a photo; then completed."""
    order = order_for_person(storefront)
    order = order_transition(
        order=order,
        transition="confirm",
        actor=None,
        note=f"Called {PHONE}: {NAME} asks to ring at {ADDRESS['line2']}.",
    )
    order = order_transition(order=order, transition="start_picking", actor=None)
    order = order_pick_everything(order)
    order = order_transition(order=order, transition="start_packing", actor=None)
    order = order_pack_everything(order)
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    order = order_book_shipment(order)
    order = order_transition(order=order, transition="ship", actor=None)
    shipment = order.shipments.get()
    tracking_event_record(
        carrier=shipment.carrier,
        event_id=f"ev-{order.pk}",
        tracking_number=shipment.tracking_number,
        status="delivered",
        occurred_at=timezone.now(),
        location=ADDRESS["line1"],
        message=f"Delivered to {NAME.upper()}",
    )
    request = after_sales_request_open(
        order=order,
        kind="complaint",
        reason=REASON,
        lines=[],
        source="customer",
        photos=[SimpleUploadedFile("IMG at home.png", png_bytes(), "image/png")],
    )
    after_sales_request_advance(request=request, transition="reject", actor=None)
    return order_transition(order=order, transition="complete", actor=None)


@pytest.fixture
def person():
    """The person with two closed orders and every kind of row that can carry their data."""
    storefront = StorefrontFactory(webhook_url="https://shop.example/hooks")
    Region.objects.create(
        name="South", country="VN", postal_code_prefixes="70", team=_team_for_region()
    )
    delivered = delivered_order_with_request(storefront)
    cancelled = order_for_person(storefront, payment_method="cod", payment_status="unpaid")
    # They asked for another address on the tracking page; care declined, naming them.
    asked = change_request_submit(
        order=cancelled,
        kind="address",
        data={"shipping_address": {**ADDRESS, "line1": MOVED_TO}},
        message=f"Call me on {PHONE}",
    )
    change_request_reject(request=asked, actor=None, note=f"Sorry {NAME}, we cannot go there.")
    cancelled = order_transition(
        order=cancelled, transition="cancel", actor=None, reason=f"{NAME} ordered twice"
    )
    customer = delivered.customer
    # One e-mail went out; the rest are still in the outbox.
    sent = notification_send_now(delivered.notifications.get(kind="order_received").pk)
    assert sent.status == NotificationStatus.SENT
    assert mail.outbox[0].to == [EMAIL]
    mail.outbox.clear()
    Notification.objects.filter(pk=cancelled.notifications.get(kind="cancelled").pk).update(
        last_error=f"550 5.1.1 <{EMAIL}>: mailbox full"
    )
    event = WebhookEvent.objects.filter(order=delivered).first()
    WebhookAttempt.objects.create(
        event=event,
        number=1,
        url="https://shop.example/hooks",
        started_at=timezone.now(),
        duration_ms=12,
        response_status=500,
        response_body=f"error: customer {EMAIL} unknown",
        outcome="retry",
    )
    LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(Customer),
        object_id=str(customer.pk),
        object_repr=str(customer),
        action_flag=CHANGE,
        change_message="[]",
    )
    return customer


def _team_for_region():
    from orders.models import Department, Team

    department = Department.objects.create(name="Shipping", code="shipping")
    return Team.objects.create(name="South team", code="south", department=department)


def database_dump() -> str:
    """Every row of every table the project writes, as one JSON text."""
    out = StringIO()
    call_command(
        "dumpdata",
        "customers",
        "orders",
        "fulfillment",
        "reports",
        "admin",
        "django_celery_beat",
        stdout=out,
    )
    return out.getvalue()


def finance_snapshot() -> tuple:
    orders = list(
        Order.objects.order_by("id").values_list(
            "number",
            "status",
            "payment_status",
            "subtotal",
            "shipping_price",
            "total",
            "amount_paid",
            "amount_refunded",
        )
    )
    ledger = list(
        LedgerEntry.objects.order_by("id").values_list(
            "order_id", "kind", "amount", "currency", "payment_method", "region_id", "note"
        )
    )
    return orders, ledger


def manager():
    return user_with_role(MANAGER)


# -- export -------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person(person):
    data = customer_data_export(customer=person, actor=manager())

    assert data["customer"]["name"] == NAME
    assert data["customer"]["email"] == EMAIL
    assert data["customer"]["phone"] == PHONE
    assert data["storefront"]["code"] == person.storefront.code
    assert len(data["addresses"]) == 2
    assert {key: data["addresses"][0][key] for key in ADDRESS} == ADDRESS
    delivered, cancelled = data["orders"]
    assert delivered["status"] == "completed"
    assert cancelled["status"] == "cancelled"
    assert delivered["total"] == "325001.00"
    assert delivered["lines"] == [
        {
            "sku": "MUG-1",
            "name": "Mug",
            "quantity": 2,
            "unit_price": "120000.00",
            "line_total": "240000.00",
        },
        {
            "sku": "TEA-7",
            "name": "Tea",
            "quantity": 1,
            "unit_price": "85001.00",
            "line_total": "85001.00",
        },
    ]
    messages = [entry["message"] for entry in delivered["history"]]
    assert messages[0] == "Order received"
    assert "Order shipped" in messages and "Order completed" in messages
    # Staff notes are about our work; the history is what the customer sees.
    assert not any(PHONE in message for message in messages)
    assert delivered["shipments"][0]["tracking_number"].startswith("GHN")
    (asked,) = cancelled["change_requests"]
    assert (asked["kind"], asked["status"], asked["message"]) == (
        "address",
        "rejected",
        f"Call me on {PHONE}",
    )
    assert asked["asked"]["shipping_address"]["line1"] == MOVED_TO
    assert asked["answer"] == f"Sorry {NAME}, we cannot go there."
    (request,) = delivered["after_sales_requests"]
    assert (request["kind"], request["reason"], request["status"]) == (
        "complaint",
        REASON,
        "rejected",
    )
    (photo,) = request["photos"]
    assert photo["content_type"] == "image/png"
    assert photo["name"].endswith(".png")
    assert photo["name"] == Path(AfterSalesPhoto.objects.get().image.name).name
    sent = [n for n in data["notifications"] if n["status"] == "sent"]
    assert len(sent) == 1
    assert sent[0]["kind"] == "order_received"
    assert sent[0]["sent_at"] is not None
    assert sent[0]["subject"] == (
        f"{person.storefront.name}: Order received (Order {delivered['number']})"
    )
    json.dumps(data)  # JSON-ready as it is
    action = PersonalDataAction.objects.get()
    assert (action.kind, action.customer_id, action.reason) == (
        PersonalDataActionKind.EXPORT,
        person.pk,
        "",
    )


def test_the_export_reads_a_fixed_number_of_queries_whatever_the_number_of_orders(person):
    user = manager()
    customer_data_export(customer=person, actor=user)  # the user's permissions are cached now
    with CaptureQueriesContext(connection) as two_orders:
        customer_data_export(customer=person, actor=user)
    for _ in range(3):
        order = order_for_person(person.storefront)
        order_transition(order=order, transition="confirm", actor=None)
    with CaptureQueriesContext(connection) as five_orders:
        data = customer_data_export(customer=person, actor=user)

    assert len(data["orders"]) == 5
    # customer, orders, lines, events, shipments, change requests, after-sales requests,
    # their lines and photos, addresses, notifications, and the audit row.
    assert len(five_orders) == len(two_orders) == 12


# -- erasure ------------------------------------------------------------------------


def test_a_photo_file_that_cannot_be_deleted_does_not_fail_the_committed_erasure(
    person, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from django.core.files.storage import FileSystemStorage

    def refuse(self, name):
        raise PermissionError(f"cannot delete {name}")

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    photo_name = AfterSalesPhoto.objects.get().image.name

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=person, actor=manager(), reason="Customer request")

    person.refresh_from_db()
    assert person.erased_at is not None
    assert AfterSalesPhoto.objects.count() == 0
    assert any(photo_name in record.getMessage() for record in caplog.records)


def test_after_erasure_no_row_holds_the_persons_data(person, django_capture_on_commit_callbacks):
    before = database_dump()
    for value in PERSONAL_STRINGS:
        assert value.lower() in before.lower(), value
    photo_path = Path(AfterSalesPhoto.objects.get().image.path)
    assert photo_path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        action = customer_erase(customer=person, actor=manager(), reason="Request by e-mail, 3 May")

    after = database_dump()
    for value in PERSONAL_STRINGS:
        assert value.lower() not in after.lower(), value
    assert not photo_path.exists()
    assert AfterSalesPhoto.objects.count() == 0
    person.refresh_from_db()
    assert (person.name, person.email, person.phone) == (
        "Erased customer",
        f"erased-{person.pk}@erased.invalid",
        "",
    )
    assert person.erased_at is not None
    # Country and the region part of the postal code stay: regions still place the orders.
    assert set(Address.objects.values_list("name", "line1", "city", "postal_code", "country")) == {
        ("Erased customer", "", "", "70", "VN")
    }
    assert set(AfterSalesRequest.objects.values_list("reason", flat=True)) == {"[erased]"}
    [asked] = OrderChangeRequest.objects.all()
    assert asked.message == "[erased]"
    assert asked.data == {
        "shipping_address": {"country": "VN"},
        "shipping_address_before": {"country": "VN"},
    }
    assert asked.decision_note == "Sorry [erased], we cannot go there."
    assert action.summary["change_requests"] == 1
    assert action.summary["photos_deleted"] == 1
    assert action.summary["orders"] == 2


def test_erasure_keeps_orders_history_and_ledger(person):
    finance_before = finance_snapshot()
    events_before = set(OrderEvent.objects.values_list("pk", "event_type", "transition"))
    assert LedgerEntry.objects.exists()

    action = customer_erase(customer=person, actor=manager(), reason="Customer request")

    assert finance_snapshot() == finance_before
    events_after = set(OrderEvent.objects.values_list("pk", "event_type", "transition"))
    assert events_before <= events_after
    erasure_notes = OrderEvent.objects.filter(data__personal_data_action=action.pk)
    assert len(events_after - events_before) == erasure_notes.count() == 2
    assert not erasure_notes.filter(customer_visible=True).exists()
    assert Order.objects.filter(customer=person).count() == 2


def test_erasure_cancels_pending_emails_so_nothing_is_sent_afterwards(person):
    pending = list(Notification.objects.filter(customer=person, status=NotificationStatus.PENDING))
    assert pending

    customer_erase(customer=person, actor=manager(), reason="Customer request")

    for notification in pending:
        assert notification_send_now(notification.pk) is None
    assert mail.outbox == []
    assert not Notification.objects.filter(status=NotificationStatus.PENDING).exists()
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 1


def test_an_erased_customer_gets_no_new_emails(person):
    customer_erase(customer=person, actor=manager(), reason="Customer request")
    order = Order.objects.get(customer=person, status=OrderStatus.COMPLETED)

    order_transition(order=order, transition="refund_payment", actor=None, amount=Decimal("10000"))

    refund = order.notifications.get(kind="refund_issued")
    assert refund.status == NotificationStatus.CANCELLED


def test_the_tracking_link_still_shows_the_status_without_personal_data(person, client):
    order = Order.objects.get(customer=person, status=OrderStatus.COMPLETED)
    customer_erase(customer=person, actor=manager(), reason="Customer request")

    response = client.get(tracking_url(order))

    assert response.status_code == 200
    page = response.content.decode()
    assert order.number in page
    assert "Completed" in page
    for value in PERSONAL_STRINGS:
        assert value not in page
    # The form no longer finds it: the kept postal-code prefix is no key to the order.
    assert order_lookup(number=order.number, email_or_postal_code="70") is None


def test_a_new_order_from_the_same_address_makes_a_new_customer(person):
    customer_erase(customer=person, actor=manager(), reason="Customer request")

    order = order_for_person(person.storefront)

    assert order.customer_id != person.pk
    assert (order.customer.name, order.customer.email) == (NAME, EMAIL)
    person.refresh_from_db()
    assert person.name == "Erased customer"


def test_erasing_twice_changes_nothing_the_second_time(person):
    user = manager()
    first = customer_erase(customer=person, actor=user, reason="Customer request")
    dump = database_dump()

    second = customer_erase(customer=person, actor=user, reason="Again")

    assert first is not None
    assert second is None
    assert database_dump() == dump
    assert PersonalDataAction.objects.filter(kind=PersonalDataActionKind.ERASURE).count() == 1


def test_erasure_is_refused_while_an_order_is_open(person):
    open_order = order_for_person(person.storefront)
    dump = database_dump()

    with pytest.raises(InvalidTransition) as refused:
        customer_erase(customer=person, actor=manager(), reason="Customer request")

    assert refused.value.details == {"orders": [open_order.number]}
    assert database_dump() == dump


def test_erasure_needs_a_reason(person):
    with pytest.raises(OrderValidationError):
        customer_erase(customer=person, actor=manager(), reason="  ")
    person.refresh_from_db()
    assert person.erased_at is None


def test_the_audit_row_says_who_when_and_why_without_personal_data(person):
    user = manager()

    action = customer_erase(customer=person, actor=user, reason="Customer request of 3 May")

    assert (action.kind, action.actor, action.reason) == (
        PersonalDataActionKind.ERASURE,
        user,
        "Customer request of 3 May",
    )
    stored = json.dumps(
        list(PersonalDataAction.objects.values("reason", "summary")), ensure_ascii=False
    )
    for value in PERSONAL_STRINGS:
        assert value not in stored


# -- who may --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [WAREHOUSE, CUSTOMER_CARE, FINANCE])
def test_only_managers_may_export_or_erase(person, role):
    user = user_with_role(role)
    dump = database_dump()

    with pytest.raises(TransitionPermissionDenied):
        customer_data_export(customer=person, actor=user)
    with pytest.raises(TransitionPermissionDenied):
        customer_erase(customer=person, actor=user, reason="Customer request")

    assert database_dump() == dump
    assert not PersonalDataAction.objects.exists()


def test_managers_hold_both_permissions_through_their_role():
    user = manager()
    assert user.has_perm("customers.export_customer")
    assert user.has_perm("customers.erase_customer")
    for role in (WAREHOUSE, CUSTOMER_CARE, FINANCE):
        other = user_with_role(role)
        assert not other.has_perm("customers.export_customer")
        assert not other.has_perm("customers.erase_customer")


# -- the admin ------------------------------------------------------------------------


def admin_urls(customer) -> dict[str, str]:
    base = f"/admin/customers/customer/{customer.pk}"
    return {
        "change": f"{base}/change/",
        "export": f"{base}/personal-data/export/",
        "erase": f"{base}/personal-data/erase/",
    }


def test_a_manager_sees_both_buttons_and_downloads_the_export(person, client):
    client.force_login(manager())
    urls = admin_urls(person)

    page = client.get(urls["change"]).content.decode()
    assert urls["export"] in page
    assert urls["erase"] in page

    response = client.post(urls["export"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="customer-{person.pk}-personal-data.json"'
    )
    assert "no-store" in response["Cache-Control"].split(", ")
    data = json.loads(response.content)
    assert data["customer"]["email"] == EMAIL
    assert client.get(urls["export"]).status_code == 405


def test_a_manager_erases_from_the_admin_after_giving_a_reason(person, client):
    client.force_login(manager())
    urls = admin_urls(person)

    confirmation = client.get(urls["erase"])
    assert confirmation.status_code == 200
    assert 'name="reason"' in confirmation.content.decode()
    without_reason = client.post(urls["erase"], {"reason": ""})
    assert without_reason.status_code == 200
    person.refresh_from_db()
    assert person.erased_at is None

    response = client.post(urls["erase"], {"reason": "Customer asked on 3 May"})

    assert response.status_code == 302
    assert response["Location"] == urls["change"]
    person.refresh_from_db()
    assert person.erased_at is not None
    assert PersonalDataAction.objects.get(kind="erasure").reason == "Customer asked on 3 May"
    page = client.get(urls["change"]).content.decode()
    assert urls["erase"] not in page
    assert NAME not in page


def test_the_admin_shows_why_an_open_order_blocks_the_erasure(person, client):
    open_order = order_for_person(person.storefront)
    client.force_login(manager())

    response = client.post(admin_urls(person)["erase"], {"reason": "Customer request"}, follow=True)

    assert open_order.number in response.content.decode()
    person.refresh_from_db()
    assert person.erased_at is None


@pytest.mark.usefixtures("admin_open_to_every_role")  # only managers get in at all
@pytest.mark.parametrize("role", [WAREHOUSE, CUSTOMER_CARE, FINANCE])
def test_other_staff_are_refused_by_the_admin_views(person, client, role):
    client.force_login(user_with_role(role))
    urls = admin_urls(person)

    assert client.post(urls["export"]).status_code == 403
    assert client.get(urls["erase"]).status_code == 403
    assert client.post(urls["erase"], {"reason": "Customer request"}).status_code == 403
    person.refresh_from_db()
    assert person.erased_at is None
    assert not PersonalDataAction.objects.exists()


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_care_staff_see_the_customer_without_the_buttons(person, client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    urls = admin_urls(person)

    page = client.get(urls["change"])

    assert page.status_code == 200
    assert urls["export"] not in page.content.decode()
    assert urls["erase"] not in page.content.decode()


def test_erase_and_export_need_the_csrf_token(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager())
    urls = admin_urls(person)

    assert client.post(urls["erase"], {"reason": "Customer request"}).status_code == 403
    assert client.post(urls["export"]).status_code == 403
    person.refresh_from_db()
    assert person.erased_at is None

    token = client.get(urls["erase"]).context["csrf_token"]
    response = client.post(
        urls["erase"], {"reason": "Customer request", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.erased_at is not None


# -- the command ----------------------------------------------------------------------


def test_the_command_exports_and_erases(person, tmp_path):
    output = tmp_path / "export.json"
    code = person.storefront.code
    call_command(
        "customer_privacy",
        "export",
        "--email",
        EMAIL.upper(),
        "--storefront",
        code,
        "--output",
        str(output),
    )
    assert json.loads(output.read_text())["customer"]["email"] == EMAIL
    assert output.stat().st_mode & 0o777 == 0o600  # personal data: the owner only

    out = StringIO()
    call_command(
        "customer_privacy",
        "erase",
        "--email",
        EMAIL,
        "--storefront",
        code,
        "--reason",
        "Letter of 3 May",
        stdout=out,
    )
    assert f"Erased customer {person.pk}" in out.getvalue()
    person.refresh_from_db()
    assert person.erased_at is not None
    assert PersonalDataAction.objects.get(kind="erasure").actor is None


def test_an_erased_customers_address_cannot_be_typed_back_in_the_address_admin(person, client):
    customer_erase(customer=person, actor=manager(), reason="Customer request")
    address = Address.objects.filter(customer=person).first()
    client.force_login(manager())
    url = f"/admin/customers/address/{address.pk}/change/"

    page = client.get(url)
    posted = client.post(
        url,
        {"customer": person.pk, "name": "Nguyễn Thị Lan", "line1": "12 Lê Lợi", "country": "VN"},
    )

    assert page.status_code == 200
    assert 'name="line1"' not in page.content.decode()  # shown read-only
    assert posted.status_code == 403
    address.refresh_from_db()
    assert (address.name, address.line1) == ("Erased customer", "")
    assert (
        client.post(f"/admin/customers/address/{address.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )


def test_an_export_to_a_path_that_cannot_be_written_is_refused_and_not_recorded(person, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "customer_privacy",
            "export",
            "--email",
            EMAIL,
            "--storefront",
            person.storefront.code,
            "--output",
            str(tmp_path / "no-such-folder" / "export.json"),
        )

    assert not PersonalDataAction.objects.exists()
