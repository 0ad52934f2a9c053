"""The demo-data loader: idempotent, every status reached, history consistent with the service."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import F, Min
from django.utils import timezone

from customers.models import Customer
from fulfillment.models import PickList, SupplierRequest, TrackingEvent, TrackingEventStatus
from notifications.models import Notification
from orders import roles
from orders.demo import demo_data_seed
from orders.models import (
    BulkJob,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    SlaAlert,
    Storefront,
    StorefrontAPIKey,
)
from orders.planning import sla_alerts_open
from reports.models import ReportRun

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("private_media")

User = get_user_model()

# The service runs the refund or void of a cancellation in the same call, without a version bump.
AUTOMATIC_NOTE = "Automatic on cancellation."
# History rows of picks, packages, shipments and supplier requests (they bump the order's version;
# a carrier's scan changes the shipment, not the order, and does not).
FULFILLMENT_KINDS = (
    OrderEventType.PICK_RECORDED,
    OrderEventType.PACKAGE_PACKED,
    OrderEventType.SHIPMENT_BOOKED,
    OrderEventType.SHIPMENT_HANDED_OVER,
    OrderEventType.SUPPLIER_REQUEST,
)

EXPECTED_ACCOUNTS = [
    ("manager", "manager-demo-pass", roles.MANAGER),
    ("warehouse", "warehouse-demo-pass", roles.WAREHOUSE),
    ("care", "care-demo-pass", roles.CUSTOMER_CARE),
    ("finance", "finance-demo-pass", roles.FINANCE),
]


def _counts() -> dict[str, int]:
    return {
        "storefronts": Storefront.objects.count(),
        "users": User.objects.count(),
        "customers": Customer.objects.count(),
        "orders": Order.objects.count(),
        "events": OrderEvent.objects.count(),
    }


@pytest.mark.django_db
def test_seeding_twice_adds_nothing_and_resets_the_demo_users():
    first = demo_data_seed(orders=60)
    after_first = _counts()
    manager = User.objects.get(username="manager")
    manager.set_password("changed")
    manager.is_superuser = True
    manager.save()
    manager.groups.add(Group.objects.get(name=roles.FINANCE))
    warehouse_permissions = set(Group.objects.get(name=roles.WAREHOUSE).permissions.all())
    Group.objects.get(name=roles.WAREHOUSE).permissions.clear()

    second = demo_data_seed(orders=60)

    assert _counts() == after_first
    assert after_first["storefronts"] == 2
    assert after_first["users"] == 4
    assert after_first["orders"] == 60
    assert (first.orders_created, second.orders_created) == (60, 0)
    assert (first.users_created, second.users_created) == (4, 0)
    assert (first.storefronts_created, second.storefronts_created) == (2, 0)
    assert second.status_counts == first.status_counts
    # The role table is applied again, undoing hand edits of the groups.
    assert set(Group.objects.get(name=roles.WAREHOUSE).permissions.all()) == warehouse_permissions
    assert (
        len(warehouse_permissions) == 20
    )  # transitions, floor holds, back-orders, views, packing, picking, suppliers
    for username, password, role in EXPECTED_ACCOUNTS:
        user = User.objects.get(username=username)
        assert user.is_staff is True
        assert user.is_superuser is False
        assert user.is_active is True
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(password) is True


@pytest.mark.django_db
def test_storefronts_have_their_currency_and_language():
    demo_data_seed(orders=20)

    storefronts = Storefront.objects.order_by("code").values_list(
        "code", "name", "currency", "default_language"
    )
    assert list(storefronts) == [
        ("demo", "Demo Shop", "VND", "vi"),
        ("global", "Global Store", "USD", "en"),
    ]
    demo_orders = Order.objects.filter(storefront__code="demo")
    global_orders = Order.objects.filter(storefront__code="global")
    assert demo_orders.count() + global_orders.count() == 20
    assert set(demo_orders.values_list("currency", "shipping_address__country")) == {("VND", "VN")}
    assert set(global_orders.values_list("currency", flat=True)) == {"USD"}
    assert set(global_orders.values_list("shipping_address__country", flat=True)) <= {
        "SG",
        "US",
        "DE",
        "JP",
        "AU",
    }
    # Vietnamese prices are whole thousands of dong.
    vnd_amounts = [
        *OrderLine.objects.filter(order__in=demo_orders).values_list("unit_price", flat=True),
        *demo_orders.values_list("shipping_price", flat=True),
    ]
    assert [amount for amount in vnd_amounts if amount % 1000] == []


@pytest.mark.django_db
def test_every_status_is_reached_with_120_orders():
    result = demo_data_seed(orders=120)

    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == set(OrderStatus.values)
    assert sum(result.status_counts.values()) == 120
    assert result.status_counts == dict(Counter(Order.objects.values_list("status", flat=True)))
    open_count = Order.objects.open().count()
    assert open_count == 72  # 60 % of the orders keep the queues busy


@pytest.mark.django_db
def test_history_agrees_with_each_order():
    demo_data_seed(orders=60)

    events_by_order: dict[int, list[OrderEvent]] = {}
    for event in OrderEvent.objects.order_by("order_id", "id"):
        events_by_order.setdefault(event.order_id, []).append(event)
    orders = list(Order.objects.all())
    assert len(events_by_order) == len(orders) == 60
    for order in orders:
        events = events_by_order[order.pk]
        created = [e for e in events if e.event_type == OrderEventType.CREATED]
        assert len(created) == 1
        assert events[0] == created[0]
        assert events[0].created_at == order.placed_at == order.created_at

        status_changes = [e for e in events if e.event_type == OrderEventType.STATUS_CHANGED]
        expected_status = status_changes[-1].to_status if status_changes else "received"
        assert order.status == expected_status

        times = [e.created_at for e in events]
        assert times == sorted(times)

        changes = [
            e
            for e in events
            if e.event_type in (OrderEventType.STATUS_CHANGED, OrderEventType.PAYMENT_CHANGED)
        ]
        automatic = [e for e in changes if e.note == AUTOMATIC_NOTE]
        fulfillment = [
            e
            for e in events
            if e.event_type in FULFILLMENT_KINDS
            and {"picked", "package", "shipment", "supplier_request"} & set(e.data)
        ]
        # Each step of an after-sales request (approve, receive, resolve, a refund proposal).
        after_sales = [e for e in events if e.event_type == OrderEventType.AFTER_SALES_CHANGED]
        assert order.version == 1 + len(changes) - len(automatic) + len(fulfillment) + len(
            after_sales
        )
        assert {e.transition for e in automatic} <= {"refund_payment", "void_payment"}


@pytest.mark.django_db
def test_each_step_is_done_by_the_role_that_owns_it():
    demo_data_seed(orders=60)

    expected = {
        "confirm": "manager",
        "deliver": "manager",
        "start_picking": "warehouse",
        "start_packing": "warehouse",
        "mark_ready_to_ship": "warehouse",
        "ship": "warehouse",
        "hold": "care",
        "release": "care",
        "cancel": "care",
        "open_after_sales": "care",
        "complete": "care",
        "authorize_payment": "finance",
        "capture_payment": "finance",
        "refund_payment": "finance",
    }
    # The demo's scenes: the carrier's failed attempt holds an order and the supplier's
    # goods release one, both as the system, as in production.
    system = {("hold", None), ("release", None)}
    actors = set(
        OrderEvent.objects.filter(
            event_type__in=[OrderEventType.STATUS_CHANGED, OrderEventType.PAYMENT_CHANGED]
        )
        .exclude(note=AUTOMATIC_NOTE)
        .values_list("transition", "actor__username")
    )
    assert actors == set(expected.items()) | system
    assert OrderEvent.objects.filter(event_type=OrderEventType.CREATED, actor=None).count() == 60


@pytest.mark.django_db
def test_cancellations_of_paid_orders_are_refunded_in_full():
    demo_data_seed(orders=60)

    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED)
    assert set(cancelled.values_list("payment_status", flat=True)) == {
        PaymentStatus.UNPAID,
        PaymentStatus.VOIDED,
        PaymentStatus.REFUNDED,
    }
    for order in cancelled.filter(payment_status=PaymentStatus.REFUNDED):
        assert order.amount_paid == order.total
        assert order.amount_refunded == order.total
    for order in cancelled.exclude(payment_status=PaymentStatus.REFUNDED):
        assert order.amount_paid == order.amount_refunded == 0


@pytest.mark.django_db
def test_history_spans_the_last_60_days_with_closed_orders_oldest():
    before = timezone.now()
    demo_data_seed(orders=60)

    closed_placed = Order.objects.filter(
        status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED]
    ).values_list("placed_at", flat=True)
    received_placed = Order.objects.filter(status=OrderStatus.RECEIVED).values_list(
        "placed_at", flat=True
    )
    assert min(received_placed) > max(closed_placed)
    assert OrderEvent.objects.filter(created_at__lt=before - timedelta(days=60)).count() == 0
    # Only today's scenes (scans, supplier requests, the bulk job) happen while seeding.
    assert OrderEvent.objects.filter(created_at__gt=timezone.now()).count() == 0
    assert (
        OrderEvent.objects.filter(created_at__gt=before, event_type=OrderEventType.CREATED).count()
        == 0
    )


@pytest.mark.django_db
def test_command_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="Refusing to seed demo data while DEBUG is off"):
        call_command("seed_demo", stdout=io.StringIO())

    assert _counts() == {"storefronts": 0, "users": 0, "customers": 0, "orders": 0, "events": 0}


@pytest.mark.django_db
def test_command_runs_with_debug_off_when_production_is_allowed(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--orders", "12", "--allow-production", stdout=io.StringIO())

    assert Order.objects.count() == 12
    assert User.objects.filter(is_staff=True).count() == 4


@pytest.mark.django_db
def test_command_prints_the_admin_url_and_each_login(settings):
    settings.DEBUG = True
    stdout = io.StringIO()

    call_command("seed_demo", "--orders", "12", stdout=stdout)

    output = stdout.getvalue()
    assert "Staff dashboard: http://127.0.0.1:8000/dashboard/" in output
    assert "Admin (managers): http://127.0.0.1:8000/admin/" in output
    rows = [line.split() for line in output.splitlines()]
    for username, password, role in EXPECTED_ACCOUNTS:
        assert [username, password, *role.split()] in rows
    assert ["total", "12"] in rows
    assert Order.objects.count() == 12


@pytest.mark.django_db(transaction=True)  # the log lines are written after each commit
def test_seeding_does_not_bury_the_logins_under_log_lines(settings, caplog):
    settings.DEBUG = True
    caplog.set_level("INFO")

    call_command("seed_demo", "--orders", "5", stdout=io.StringIO())

    # Each transition logs a line after commit; while seeding, those stay quiet.
    assert not [r for r in caplog.records if r.name.startswith("orders.services")]


@pytest.mark.django_db
def test_customers_and_addresses_are_dated_from_their_orders():
    demo_data_seed(orders=60)

    customers = Customer.objects.annotate(first_order_at=Min("orders__placed_at"))
    assert customers.count() > 30
    for customer in customers:
        assert customer.created_at == customer.updated_at == customer.first_order_at
    for order in Order.objects.select_related("shipping_address"):
        assert order.shipping_address.created_at == order.placed_at


@pytest.mark.django_db
def test_command_prints_links_to_where_the_app_is_served(settings):
    # make run passes its HOST and PORT, so `make run PORT=9000` prints working links.
    settings.DEBUG = True
    stdout = io.StringIO()

    call_command(
        "seed_demo", "--orders", "0", "--base-url", "http://127.0.0.1:9000/", stdout=stdout
    )

    output = stdout.getvalue()
    assert "Staff dashboard: http://127.0.0.1:9000/dashboard/" in output
    assert "Admin (managers): http://127.0.0.1:9000/admin/" in output
    assert "Customer tracking page: http://127.0.0.1:9000/track/" in output


def _screens() -> dict[str, int]:
    """How many rows each screen the scenes fill has, and the tables they write besides."""
    return {
        "supplier requests": SupplierRequest.objects.count(),
        "carrier scans": TrackingEvent.objects.count(),
        "failed attempts": TrackingEvent.objects.filter(
            status=TrackingEventStatus.FAILED_ATTEMPT
        ).count(),
        "support addresses": Storefront.objects.exclude(support_email="").count(),
        "open alerts": SlaAlert.objects.filter(order__status=F("stage")).count(),
        "bulk jobs": BulkJob.objects.count(),
        "pick lists": PickList.objects.count(),
        "report runs": ReportRun.objects.count(),
        "api keys": StorefrontAPIKey.objects.count(),
        "orders": Order.objects.count(),
        "history": OrderEvent.objects.count(),
        "e-mails": Notification.objects.count(),
    }


@pytest.mark.django_db
def test_every_screen_gets_something_and_seeding_again_adds_nothing():
    demo_data_seed(orders=80)
    first = _screens()

    demo_data_seed(orders=80)

    assert _screens() == first
    assert first["orders"] == 80
    assert first["support addresses"] == 2
    assert first["failed attempts"] == 1
    assert first["bulk jobs"] == first["pick lists"] == first["report runs"] == 1
    assert first["api keys"] == 1
    # Each screen has rows: the counts above, and the ones that vary with the draw.
    for screen in ("carrier scans", "open alerts"):
        assert first[screen] > 0, screen
    assert sla_alerts_open(User.objects.get(username="manager")).exists()
