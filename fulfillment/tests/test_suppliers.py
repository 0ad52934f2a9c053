"""Supplier requests: the order waits on hold until the supplier's goods arrive."""

from smtplib import SMTPException

import pytest
from django.contrib.auth.models import Permission

from fulfillment.models import (
    InventoryItem,
    Supplier,
    SupplierDelivery,
    SupplierRequest,
    SupplierRequestLine,
    SupplierRequestStatus,
)
from fulfillment.services.picking import picking_record
from fulfillment.services.suppliers import supplier_request_advance, supplier_request_create
from fulfillment.tasks import supplier_request_email_send
from orders.models import HoldReason, Order, OrderEvent, OrderEventType, OrderStatus
from orders.services import order_transition
from orders.tests.factories import UserFactory, order_in_state, transition_prepare
from shared.errors import InvalidTransition, OrderValidationError, TransitionPermissionDenied

pytestmark = pytest.mark.django_db

WAREHOUSE = SupplierDelivery.TO_WAREHOUSE
DROP_SHIP = SupplierDelivery.DROP_SHIP


@pytest.fixture(autouse=True)
def eager_celery(tasks_in_process):
    """Every test here runs its tasks in process."""


@pytest.fixture
def supplier():
    return Supplier.objects.create(
        name="Minh Long Ceramics",
        contact_name="Chị Hoa",
        email="sales@minhlong.example",
        lead_time_days=2,
    )


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services schedule after commit (the e-mail task, eagerly)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def staff_with(*codenames: str):
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def notes(order: Order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, event_type=OrderEventType.SUPPLIER_REQUEST)
        .order_by("id")
        .values_list("note", flat=True)
    )


def written(order: Order) -> tuple:
    """Everything a refused call must leave unchanged."""
    order.refresh_from_db()
    return (
        SupplierRequest.objects.count(),
        SupplierRequestLine.objects.count(),
        OrderEvent.objects.filter(order=order).count(),
        order.status,
        order.version,
        InventoryItem.objects.count(),
    )


def test_a_short_pick_covered_by_a_supplier_waits_on_hold_then_ships(
    supplier, on_commit, mailoutbox
):
    manager = staff_with("add_supplierrequest", "change_supplierrequest")
    InventoryItem.objects.create(sku="MUG-1", location="A-03-2", quantity_on_hand=1)
    InventoryItem.objects.create(sku="TEA-7", location="B-01-1", quantity_on_hand=5)
    order = order_in_state(OrderStatus.PICKING)  # 2 x MUG-1, 1 x TEA-7
    # The picker finds only 1 of the 2 mugs: a real short pick holds the order.
    records = picking_record(
        order=order,
        picks=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        actor=None,
    )
    assert [(r.quantity_picked, r.quantity_short) for r in records] == [(1, 1), (1, 0)]
    order.refresh_from_db()

    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=manager,
        )
    supplier_request_email_send.delay(request.pk)  # a redelivered task sends nothing more

    order.refresh_from_db()
    assert (order.status, order.hold_reason, order.held_from_status) == (
        OrderStatus.ON_HOLD,
        HoldReason.STOCK_SHORTAGE,
        OrderStatus.PICKING,
    )
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["sales@minhlong.example"]
    assert mail.from_email == "orders@localhost"
    assert mail.subject == f"Request #{request.pk} for order {order.number}"
    assert "  1 x MUG-1 (Mug)" in mail.body
    assert "Delivery: To our warehouse" in mail.body
    assert "Ship to:" not in mail.body
    request.refresh_from_db()
    assert request.emailed_at is not None
    assert request.created_by == manager
    assert list(request.lines.values_list("order_line__sku", "quantity")) == [("MUG-1", 1)]
    event = OrderEvent.objects.filter(order=order).latest("id")
    assert (event.event_type, event.actor, event.customer_visible, event.note) == (
        OrderEventType.SUPPLIER_REQUEST,
        manager,
        False,
        "Requested 1 x MUG-1 from Minh Long Ceramics (to our warehouse); the order stays "
        "on hold (stock_shortage) and now waits for the supplier.",
    )

    for step in ("confirm", "ship"):
        supplier_request_advance(request=request, transition=step, actor=manager)
        order.refresh_from_db()
        assert order.status == OrderStatus.ON_HOLD
    request = supplier_request_advance(request=request, transition="receive", actor=manager)

    order.refresh_from_db()
    assert request.status == SupplierRequestStatus.RECEIVED
    assert (order.status, order.hold_reason, order.held_from_status) == (
        OrderStatus.PICKING,
        "",
        "",
    )
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 1
    assert notes(order)[-3:] == [
        f"Supplier request #{request.pk} (Minh Long Ceramics) confirmed by the supplier.",
        f"Supplier request #{request.pk} (Minh Long Ceramics) shipped by the supplier.",
        f"Supplier request #{request.pk} (Minh Long Ceramics) received at our warehouse: "
        "1 x MUG-1 added to stock.",
    ]
    release = OrderEvent.objects.filter(order=order).latest("id")
    assert (release.transition, release.from_status, release.to_status, release.actor) == (
        "release",
        OrderStatus.ON_HOLD,
        OrderStatus.PICKING,
        None,
    )

    # The picker now finds the missing mug, nothing is short, and the order goes on.
    (record,) = picking_record(order=order, picks=[{"sku": "MUG-1", "quantity": 1}], actor=None)
    assert (record.quantity_picked, record.quantity_short) == (1, 0)
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 0
    order.refresh_from_db()
    for transition in ("start_packing", "mark_ready_to_ship", "ship"):
        order = transition_prepare(order, transition)
        order = order_transition(order=order, transition=transition, actor=None)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED
    assert len(mailoutbox) == 1


def test_a_processing_order_waits_until_its_last_open_request_arrives(supplier, on_commit):
    order = order_in_state(OrderStatus.PROCESSING)

    with on_commit():
        first = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 2}],
            delivery=WAREHOUSE,
            actor=None,
        )
    order.refresh_from_db()
    assert (order.status, order.hold_reason, order.held_from_status) == (
        OrderStatus.ON_HOLD,
        HoldReason.AWAITING_SUPPLIER,
        OrderStatus.PROCESSING,
    )
    with on_commit():
        second = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "TEA-7", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=None,
        )
    assert notes(order) == [
        "Requested 2 x MUG-1 from Minh Long Ceramics (to our warehouse).",
        "Requested 1 x TEA-7 from Minh Long Ceramics (to our warehouse).",
    ]

    supplier_request_advance(request=first, transition="receive", actor=None)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.AWAITING_SUPPLIER)

    supplier_request_advance(request=second, transition="receive", actor=None)
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.PROCESSING, "")
    assert list(
        InventoryItem.objects.order_by("sku").values_list("sku", "location", "quantity_on_hand")
    ) == [("MUG-1", "RECEIVING", 2), ("TEA-7", "RECEIVING", 1)]
    assert list(
        OrderEvent.objects.filter(order=order, event_type=OrderEventType.STATUS_CHANGED)
        .order_by("id")
        .values_list("transition", "reason")
    ) == [("confirm", ""), ("hold", HoldReason.AWAITING_SUPPLIER), ("release", "")]


def test_a_drop_ship_names_the_customer_address_and_leaves_stock_alone(
    supplier, on_commit, mailoutbox
):
    order = order_in_state(OrderStatus.PACKING)
    stock_before = dict(InventoryItem.objects.values_list("sku", "quantity_on_hand"))

    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "TEA-7", "quantity": 1}],
            delivery=DROP_SHIP,
            actor=None,
        )
    supplier_request_advance(request=request, transition="receive", actor=None)

    order.refresh_from_db()
    assert order.status == OrderStatus.PACKING
    assert dict(InventoryItem.objects.values_list("sku", "quantity_on_hand")) == stock_before
    (to_supplier,) = [mail for mail in mailoutbox if mail.to == [supplier.email]]
    assert "Delivery: Straight to the customer (drop-ship)" in to_supplier.body
    assert "Ship to:\n  Nguyễn Thị Lan, 12 Lê Lợi, TP. Hồ Chí Minh, 700000, VN" in to_supplier.body
    assert notes(order) == [
        "Requested 1 x TEA-7 from Minh Long Ceramics (drop-ship).",
        f"Supplier request #{request.pk} (Minh Long Ceramics) delivered to the customer "
        "(drop-ship): 1 x TEA-7.",
    ]


def test_a_failed_request_keeps_the_order_on_hold_with_the_reason(supplier, on_commit):
    order = order_in_state(OrderStatus.PROCESSING)
    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=None,
        )
    before = written(order)

    with pytest.raises(OrderValidationError) as refusal:
        supplier_request_advance(request=request, transition="fail", actor=None, reason="  ")
    assert refusal.value.details == {"reason": ["This field is required."]}
    assert written(order) == before

    request = supplier_request_advance(
        request=request, transition="fail", actor=None, reason="Out of production"
    )
    order.refresh_from_db()
    assert (request.status, request.failure_reason) == (
        SupplierRequestStatus.FAILED,
        "Out of production",
    )
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, HoldReason.AWAITING_SUPPLIER)
    assert notes(order)[-1] == (
        f"Supplier request #{request.pk} (Minh Long Ceramics) failed. "
        "Supplier could not deliver: Out of production"
    )


def test_an_illegal_supplier_request_step_is_refused_and_writes_nothing(supplier, on_commit):
    order = order_in_state(OrderStatus.PROCESSING)
    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=DROP_SHIP,
            actor=None,
        )
    supplier_request_advance(request=request, transition="receive", actor=None)
    before = written(order)

    with pytest.raises(InvalidTransition) as refusal:
        supplier_request_advance(request=request, transition="confirm", actor=None)

    assert refusal.value.details == {"transition": "confirm", "status": "received"}
    assert written(order) == before
    request.refresh_from_db()
    assert request.status == SupplierRequestStatus.RECEIVED


@pytest.mark.parametrize(
    ("status", "lines", "error", "details"),
    [
        (
            OrderStatus.PICKING,
            [{"sku": "MUG-1", "quantity": 1}, {"sku": "NOPE-9", "quantity": 1}],
            OrderValidationError,
            {"lines[1].sku": ["Order {number} has no SKU 'NOPE-9'."]},
        ),
        (
            OrderStatus.PICKING,
            [{"sku": "MUG-1", "quantity": 2}, {"sku": "MUG-1", "quantity": 1}],
            OrderValidationError,
            {"lines[1].quantity": ["Order {number} has only 2 x MUG-1."]},
        ),
        (
            OrderStatus.PICKING,
            [{"sku": "TEA-7", "quantity": 0}],
            OrderValidationError,
            {"lines[0].quantity": ["Must be a whole number above 0."]},
        ),
        (
            OrderStatus.CANCELLED,
            [{"sku": "MUG-1", "quantity": 1}],
            InvalidTransition,
            {"status": "cancelled"},
        ),
        (
            OrderStatus.COMPLETED,
            [{"sku": "MUG-1", "quantity": 1}],
            InvalidTransition,
            {"status": "completed"},
        ),
    ],
    ids=["unknown-sku", "more-than-ordered", "zero", "cancelled", "completed"],
)
def test_a_refused_request_names_the_field_and_writes_nothing(
    supplier, django_capture_on_commit_callbacks, mailoutbox, status, lines, error, details
):
    order = order_in_state(status)
    before = written(order)

    with django_capture_on_commit_callbacks() as scheduled, pytest.raises(error) as refusal:
        supplier_request_create(
            order=order, supplier=supplier, lines=lines, delivery=WAREHOUSE, actor=None
        )

    assert refusal.value.details == {
        field: [message.format(number=order.number) for message in messages]
        if isinstance(messages, list)
        else messages
        for field, messages in details.items()
    }
    assert written(order) == before
    assert scheduled == []
    assert mailoutbox == []


def test_an_inactive_supplier_is_refused(supplier):
    supplier.is_active = False
    supplier.save()
    order = order_in_state(OrderStatus.PROCESSING)
    before = written(order)

    with pytest.raises(OrderValidationError) as refusal:
        supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=None,
        )

    assert refusal.value.details == {"supplier": [f"No active supplier with id {supplier.pk}."]}
    assert written(order) == before


def test_staff_need_the_supplier_request_permissions(supplier, on_commit, mailoutbox):
    order = order_in_state(OrderStatus.PROCESSING)
    before = written(order)

    with pytest.raises(TransitionPermissionDenied) as refusal:
        supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=staff_with("change_supplierrequest"),
        )
    assert refusal.value.details == {"permission": "fulfillment.add_supplierrequest"}
    assert written(order) == before
    assert mailoutbox == []

    # Holding the order is the system's doing: the creator needs no orders.hold_order.
    creator = staff_with("add_supplierrequest")
    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=creator,
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    before = written(order)

    with pytest.raises(TransitionPermissionDenied) as refusal:
        supplier_request_advance(request=request, transition="confirm", actor=creator)
    assert refusal.value.details == {"permission": "fulfillment.change_supplierrequest"}
    assert written(order) == before
    request.refresh_from_db()
    assert request.status == SupplierRequestStatus.REQUESTED


def test_a_failed_send_gives_the_claim_back_so_a_retry_sends_once(
    supplier, on_commit, mailoutbox, monkeypatch
):
    order = order_in_state(OrderStatus.PROCESSING)
    with on_commit():
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            delivery=WAREHOUSE,
            actor=None,
        )
    SupplierRequest.objects.filter(pk=request.pk).update(emailed_at=None)
    mailoutbox.clear()

    def smtp_down(*args, **kwargs):
        raise SMTPException("421 try later")

    monkeypatch.setattr("fulfillment.tasks.send_mail", smtp_down)
    with pytest.raises(SMTPException):
        supplier_request_email_send(request.pk)
    request.refresh_from_db()
    assert request.emailed_at is None

    monkeypatch.undo()
    supplier_request_email_send(request.pk)
    supplier_request_email_send(request.pk)
    assert len(mailoutbox) == 1
