"""Customers' change requests (orders.services.change_requests): asking, the storefront's
rules, care's decision, and what the customer is told."""

from decimal import Decimal

import pytest

from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind
from orders.models import (
    ChangeRequestKind,
    ChangeRequestStatus,
    Order,
    OrderChangeRequest,
    OrderEvent,
    OrderEventType,
    OrderStatus,
)
from orders.roles import CUSTOMER_CARE, MANAGER, WAREHOUSE
from orders.services import (
    change_request_approve,
    change_request_kinds_open,
    change_request_reject,
    change_request_submit,
    order_transition,
)
from orders.services.edits import order_edit
from shared.errors import (
    InvalidTransition,
    OrderConflict,
    OrderValidationError,
    TransitionPermissionDenied,
)

from .factories import StorefrontFactory, order_in_state, order_step, user_with_role

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "name": "Trần Văn Minh",
    "line1": "45 Hai Bà Trưng",
    "line2": "Tầng 3",
    "city": "Hà Nội",
    "postal_code": "100000",
    "country": "vn",
    "phone": "",
}


def _history(order: Order) -> list[OrderEvent]:
    return list(order.events.filter(event_type=OrderEventType.CHANGE_REQUEST).order_by("id"))


def _answers(order: Order) -> list[Notification]:
    return list(
        Notification.objects.filter(order=order, kind=NotificationKind.CHANGE_REQUEST_DECIDED)
    )


def test_an_address_change_waits_for_care_and_the_customer_sees_it_asked():
    order = order_in_state(OrderStatus.PROCESSING)

    request = change_request_submit(
        order=order,
        kind=ChangeRequestKind.ADDRESS,
        data={"shipping_address": NEW_ADDRESS},
        message="  I moved last week.  ",
    )

    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING
    assert request.message == "I moved last week."
    assert request.address == {**NEW_ADDRESS, "country": "VN", "province": ""}
    assert request.address_before["line1"] == "12 Lê Lợi"
    [row] = _history(order)
    assert row.customer_visible
    assert row.actor is None
    assert row.customer_message() == "Request received: Change the delivery address"
    assert _answers(order) == []
    order.refresh_from_db()
    assert order.shipping_address.line1 == "12 Lê Lợi"


def test_one_pending_request_per_kind():
    order = order_in_state(OrderStatus.PROCESSING)
    change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})

    with pytest.raises(OrderConflict):
        change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})
    with pytest.raises(OrderConflict, match="whole order"):
        change_request_submit(
            order=order,
            kind=ChangeRequestKind.CANCEL_ITEMS,
            data={"lines": [{"sku": "MUG-1", "quantity": 1}]},
        )

    assert OrderChangeRequest.objects.filter(order=order).count() == 1
    assert len(_history(order)) == 1


@pytest.mark.parametrize(
    "status, kinds",
    [
        (OrderStatus.RECEIVED, ["address", "cancel_order", "cancel_items"]),
        (OrderStatus.PROCESSING, ["address", "cancel_order", "cancel_items"]),
        (OrderStatus.ON_HOLD, ["address", "cancel_order", "cancel_items"]),  # held from processing
        (OrderStatus.PICKING, ["address"]),
        (OrderStatus.READY_TO_SHIP, ["address"]),
        (OrderStatus.SHIPPED, []),
        (OrderStatus.DELIVERED, []),
        (OrderStatus.CANCELLED, []),
    ],
)
def test_what_a_customer_may_ask_follows_the_orders_stage(status, kinds):
    assert change_request_kinds_open(order_in_state(status)) == kinds


def test_too_late_is_refused_with_a_clear_message_and_nothing_is_written():
    shipped = order_in_state(OrderStatus.SHIPPED)
    picking = order_in_state(OrderStatus.PICKING)

    with pytest.raises(InvalidTransition, match="already left our warehouse"):
        change_request_submit(
            order=shipped, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
        )
    with pytest.raises(InvalidTransition, match="no longer be cancelled"):
        change_request_submit(order=picking, kind=ChangeRequestKind.CANCEL_ORDER, data={})

    assert not OrderChangeRequest.objects.exists()
    assert not OrderEvent.objects.filter(event_type=OrderEventType.CHANGE_REQUEST).exists()


@pytest.mark.parametrize(
    "kind, data, field",
    [
        ("address", {"shipping_address": {**NEW_ADDRESS, "city": " "}}, "city"),
        ("address", {"shipping_address": {**NEW_ADDRESS, "country": "Vietnam"}}, "country"),
        ("address", {}, "shipping_address"),
        ("cancel_items", {"lines": [{"sku": "MUG-1", "quantity": 3}]}, "lines[0].quantity"),
        ("cancel_items", {"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines[0].sku"),
        ("cancel_items", {"lines": [{"sku": "MUG-1", "quantity": "1"}]}, "lines[0].quantity"),
        ("cancel_items", {"lines": [{"sku": "MUG-1", "quantity": 0}]}, "lines"),
        ("cancel_items", {"lines": "MUG-1"}, "lines"),
    ],
)
def test_bad_data_is_refused_naming_the_field(kind, data, field):
    order = order_in_state(OrderStatus.PROCESSING)

    with pytest.raises(OrderValidationError) as refused:
        change_request_submit(order=order, kind=kind, data=data)

    assert field in refused.value.details
    assert not OrderChangeRequest.objects.exists()


def test_the_same_address_again_is_refused():
    order = order_in_state(OrderStatus.PROCESSING)
    same = {
        "name": "Nguyễn Thị Lan",
        "line1": "12 Lê Lợi",
        "city": "TP. Hồ Chí Minh",
        "postal_code": "700000",
        "country": "VN",
    }

    with pytest.raises(OrderValidationError, match="already the delivery address"):
        change_request_submit(
            order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": same}
        )


def test_the_storefronts_rule_cancels_at_once_before_picking():
    storefront = StorefrontFactory(code="auto-cancel", customer_cancellations_auto=True)
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)

    request = change_request_submit(
        order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={}, message="Found it cheaper."
    )

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPLIED
    assert request.decided_by is None
    assert request.decided_at is not None
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Asked by the customer"
    assert [row.customer_message() for row in _history(order)] == [
        "Request received: Cancel the order",
        "Request applied: Cancel the order",
    ]
    # The cancellation's own e-mail tells the customer; no second one about the request.
    kinds = list(Notification.objects.filter(order=order).values_list("kind", flat=True))
    assert NotificationKind.CANCELLED in kinds
    assert NotificationKind.CHANGE_REQUEST_DECIDED not in kinds


def test_without_the_rule_a_cancellation_waits_for_care():
    order = order_in_state(OrderStatus.PROCESSING)

    request = change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})

    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING
    assert order.status == OrderStatus.PROCESSING


def test_the_address_rule_stops_at_packing_where_care_decides():
    storefront = StorefrontFactory(code="auto-address", customer_address_changes_auto=True)
    order = order_in_state(OrderStatus.PACKING, storefront=storefront)

    request = change_request_submit(
        order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
    )

    assert request.status == ChangeRequestStatus.PENDING


def test_care_approves_a_cancellation_and_the_customer_is_told():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})

    change_request_approve(request=request, actor=care)

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    assert request.decided_by == care
    assert order.status == OrderStatus.CANCELLED
    cancel = order.events.get(transition="cancel")
    assert cancel.actor == care
    assert cancel.reason == "Asked by the customer"
    # One e-mail: the cancellation's own says it was done as asked (no note, no answer).
    assert _answers(order) == []
    [cancelled] = Notification.objects.filter(order=order, kind=NotificationKind.CANCELLED)
    body = notification_message_build(cancelled).body
    assert "has been cancelled. We cancelled it as you asked." in body
    assert _history(order)[-1].customer_message() == "Request approved: Cancel the order"


def test_care_rejects_with_a_note_the_customer_reads():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(
        order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
    )

    change_request_reject(request=request, actor=care, note="We do not deliver to that area.")

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.REJECTED
    assert request.decision_note == "We do not deliver to that area."
    assert order.shipping_address.line1 == "12 Lê Lợi"
    [answer] = _answers(order)
    assert answer.context["outcome"] == "rejected"
    assert answer.context["note"] == "We do not deliver to that area."
    row = _history(order)[-1]
    assert row.actor == care
    assert row.customer_message() == "Request declined: Change the delivery address"


def test_a_rejection_needs_a_note():
    care = user_with_role(CUSTOMER_CARE)
    request = change_request_submit(
        order=order_in_state(OrderStatus.PROCESSING), kind=ChangeRequestKind.CANCEL_ORDER, data={}
    )

    with pytest.raises(OrderValidationError):
        change_request_reject(request=request, actor=care, note="  ")

    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_staff_without_the_permission_are_refused_and_nothing_is_written(decide):
    warehouse = user_with_role(WAREHOUSE)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})
    rows = OrderEvent.objects.count()

    with pytest.raises(TransitionPermissionDenied):
        if decide == "approve":
            change_request_approve(request=request, actor=warehouse)
        else:
            change_request_reject(request=request, actor=warehouse, note="no")

    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.PENDING
    assert order.status == OrderStatus.PROCESSING
    assert OrderEvent.objects.count() == rows
    assert _answers(order) == []


def test_approving_after_the_order_moved_on_rejects_it_with_the_reason():
    manager = user_with_role(MANAGER)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})
    order = order_transition(order=order, transition="start_picking", actor=None)

    decided = change_request_approve(request=request, actor=manager)

    order.refresh_from_db()
    assert decided.status == ChangeRequestStatus.REJECTED
    assert "no longer be cancelled" in decided.decision_note
    assert order.status == OrderStatus.PICKING
    [answer] = _answers(order)
    assert answer.context["outcome"] == "rejected"
    assert "approval failed" in _history(order)[-1].note


def test_a_decided_request_is_not_decided_again():
    manager = user_with_role(MANAGER)
    request = change_request_submit(
        order=order_in_state(OrderStatus.PROCESSING), kind=ChangeRequestKind.CANCEL_ORDER, data={}
    )
    change_request_reject(request=request, actor=manager, note="Already packed for you.")

    with pytest.raises(InvalidTransition, match="already decided"):
        change_request_approve(request=request, actor=manager)


def test_the_answer_email_says_what_was_decided():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(order=order, kind=ChangeRequestKind.CANCEL_ORDER, data={})

    change_request_reject(request=request, actor=care, note="It is a made-to-order item.")

    [answer] = _answers(order)
    mail = notification_message_build(answer)
    assert mail.subject.endswith(f"Answer to your request (Order {order.number})")
    assert f"We could not cancel your order {order.number}." in mail.body
    assert "Reason: It is a made-to-order item." in mail.body
    assert care.username not in mail.body


def test_held_orders_count_as_the_stage_they_were_held_from():
    order = order_in_state(OrderStatus.PICKING)
    order = order_step(order, "hold", "stock_shortage")

    assert change_request_kinds_open(order) == ["address"]


# -- through the edit service (orders.services.edits) ---------------------------------


def test_care_approves_a_new_address_and_the_order_ships_there():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PICKING)
    request = change_request_submit(
        order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
    )

    change_request_approve(request=request, actor=care, note="Noted, thank you.")

    order = Order.objects.select_related("shipping_address").get(pk=order.pk)
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    assert order.status == OrderStatus.PICKING
    address = order.shipping_address
    assert (address.name, address.line1, address.line2, address.city, address.country) == (
        "Trần Văn Minh",
        "45 Hai Bà Trưng",
        "Tầng 3",
        "Hà Nội",
        "VN",
    )
    edit = order.events.filter(data__kind="edit").get()
    assert (edit.actor, edit.reason) == (care, "Asked by the customer")
    assert _history(order)[-1].customer_message() == (
        "Request approved: Change the delivery address"
    )
    [answer] = _answers(order)
    assert answer.context["outcome"] == "approved"
    assert "45 Hai Bà Trưng" in answer.context["address"]
    assert "Noted, thank you." in notification_message_build(answer).body


def test_the_storefronts_rule_changes_the_address_at_once_before_packing():
    storefront = StorefrontFactory(code="auto-address-2", customer_address_changes_auto=True)
    order = order_in_state(OrderStatus.PICKING, storefront=storefront)

    request = change_request_submit(
        order=order, kind=ChangeRequestKind.ADDRESS, data={"shipping_address": NEW_ADDRESS}
    )

    order = Order.objects.select_related("shipping_address").get(pk=order.pk)
    assert request.status == ChangeRequestStatus.APPLIED
    assert order.shipping_address.line1 == "45 Hai Bà Trưng"
    edit = order.events.filter(data__kind="edit").get()
    assert (edit.actor, edit.reason) == (None, "Asked by the customer")
    assert _answers(order) == []
    [changed] = Notification.objects.filter(order=order, kind=NotificationKind.ORDER_EDITED)
    body = notification_message_build(changed).body
    assert "We made this change as you asked." in body
    assert "If you did not ask for this change" not in body


def test_care_approves_cancelling_some_items():
    care = user_with_role(CUSTOMER_CARE)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(
        order=order,
        kind=ChangeRequestKind.CANCEL_ITEMS,
        data={"lines": [{"sku": "MUG-1", "quantity": 1}]},
    )

    change_request_approve(request=request, actor=care)

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert dict(order.lines.values_list("sku", "quantity")) == {"MUG-1": 1, "TEA-7": 1}
    assert order.total == Decimal("120000") + Decimal("85001") + Decimal("30000")
    request.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPROVED
    # The customer gets one e-mail: the change, said to be done as they asked.
    assert _answers(order) == []
    [changed] = Notification.objects.filter(order=order, kind=NotificationKind.ORDER_EDITED)
    body = notification_message_build(changed).body
    assert "Some items of your order" in body
    assert "We made this change as you asked." in body


def test_cancelling_every_item_cancels_the_order():
    storefront = StorefrontFactory(code="auto-cancel-2", customer_cancellations_auto=True)
    order = order_in_state(OrderStatus.PROCESSING, storefront=storefront)

    request = change_request_submit(
        order=order,
        kind=ChangeRequestKind.CANCEL_ITEMS,
        data={"lines": [{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}]},
    )

    order.refresh_from_db()
    assert request.status == ChangeRequestStatus.APPLIED
    assert order.status == OrderStatus.CANCELLED


def test_approving_items_care_has_already_lowered_declines_it_with_the_reason():
    manager = user_with_role(MANAGER)
    order = order_in_state(OrderStatus.PROCESSING)
    request = change_request_submit(
        order=order,
        kind=ChangeRequestKind.CANCEL_ITEMS,
        data={"lines": [{"sku": "MUG-1", "quantity": 2}]},
    )
    order_edit(
        order=order, actor=None, reason="Phone call", lines=[{"sku": "MUG-1", "quantity": 1}]
    )

    decided = change_request_approve(request=request, actor=manager)

    order.refresh_from_db()
    assert decided.status == ChangeRequestStatus.REJECTED
    assert decided.decision_note == "Your order has moved on and this change is no longer possible."
    assert dict(order.lines.values_list("sku", "quantity")) == {"MUG-1": 1, "TEA-7": 1}
