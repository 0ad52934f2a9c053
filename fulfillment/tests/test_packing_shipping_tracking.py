"""Packages, shipments and carrier tracking events, and the refusals they carry."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.models import Package, Shipment, TrackingEvent
from fulfillment.services import tracking as tracking_service
from orders.models import Order, OrderEventType, OrderStatus
from orders.roles import CUSTOMER_CARE, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    order_book_shipment,
    order_in_state,
    order_pack_everything,
    user_with_role,
)
from shared.errors import InvalidTransition, TransitionPermissionDenied

pytestmark = pytest.mark.django_db


def staff_api(role: str = WAREHOUSE) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user_with_role(role)).key}"
    )
    return client


def carrier_event(client, code="ghn", token="carrier-secret-123", **body):
    event = {
        "event_id": "evt-1",
        "tracking_number": "GHN1",
        "status": "in_transit",
        "occurred_at": timezone.now().isoformat(),
        "location": "Hà Nội hub",
        "message": "",
        **body,
    }
    return APIClient().post(
        f"/api/v1/carriers/{code}/events/", event, format="json", HTTP_X_CARRIER_TOKEN=token
    )


def test_ready_to_ship_is_refused_while_anything_is_unpacked_saying_what():
    order = order_in_state(OrderStatus.PACKING)  # 2 x MUG-1, 1 x TEA-7
    response = staff_api().post(
        f"/api/v1/orders/{order.number}/packages/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 500},
        format="json",
    )
    assert response.status_code == 201

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="mark_ready_to_ship", actor=None)

    assert refusal.value.message.endswith("Still to pack: 1 x MUG-1, 1 x TEA-7.")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PACKING


def test_an_order_splits_into_two_packages_then_is_ready():
    order = order_in_state(OrderStatus.PACKING)
    client = staff_api()
    url = f"/api/v1/orders/{order.number}/packages/"

    first = client.post(
        url, {"lines": [{"sku": "MUG-1", "quantity": 2}], "weight_grams": 800}, format="json"
    )
    second = client.post(
        url,
        {"lines": [{"sku": "TEA-7", "quantity": 1}], "weight_grams": 300, "length_mm": 200},
        format="json",
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["lines"] == [{"sku": "TEA-7", "quantity": 1}]
    assert second.json()["length_mm"] == 200
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    assert order.status == OrderStatus.READY_TO_SHIP


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"lines": [{"sku": "MUG-1", "quantity": 3}], "weight_grams": 5}, "lines[0].quantity",
         "Only 2 x MUG-1 is left to pack."),
        ({"lines": [{"sku": "NOPE", "quantity": 1}], "weight_grams": 5}, "lines[0].sku", None),
        ({"lines": [], "weight_grams": 5}, "lines", None),
        ({"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 0}, "weight_grams", None),
    ],
)  # fmt: skip
def test_bad_packages_are_refused_naming_the_field(body, field, message):
    order = order_in_state(OrderStatus.PACKING)

    response = staff_api().post(f"/api/v1/orders/{order.number}/packages/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    if message:
        assert response.json()["error"]["details"][field] == [message]
    assert Package.objects.count() == 0


def test_packing_outside_the_packing_state_is_409():
    order = order_in_state(OrderStatus.PICKING)

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/packages/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 5},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_customer_care_may_not_pack_or_book_shipments():
    order = order_in_state(OrderStatus.PACKING)

    with pytest.raises(TransitionPermissionDenied):
        order_pack_everything(order, actor=user_with_role(CUSTOMER_CARE))
    response = staff_api(CUSTOMER_CARE).post(
        f"/api/v1/orders/{order.number}/packages/",
        {"lines": [{"sku": "MUG-1", "quantity": 1}], "weight_grams": 5},
        format="json",
    )
    assert response.status_code == 403
    assert Package.objects.count() == 0


def test_ship_is_refused_while_a_package_has_no_tracking_number():
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    package = order.packages.get()

    with pytest.raises(InvalidTransition) as refusal:
        order_transition(order=order, transition="ship", actor=None)

    assert refusal.value.message.endswith(
        f"These packages have no shipment with a carrier and tracking number yet: #{package.pk}."
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "ghn", "tracking_number": "", "packages": [1]}, "tracking_number"),
        ({"carrier": "pigeon", "tracking_number": "X1", "packages": [1]}, "carrier"),
        ({"carrier": "ghn", "tracking_number": "X1", "packages": []}, "packages"),
        ({"carrier": "ghn", "tracking_number": "X1", "packages": [99999]}, "packages"),
    ],
)
def test_bad_shipments_are_refused_naming_the_field(body, field):
    CarrierFactory()
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))

    response = staff_api().post(f"/api/v1/orders/{order.number}/shipments/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert Shipment.objects.count() == 0


def test_a_tracking_number_is_used_once_per_carrier():
    first = order_book_shipment(order_pack_everything(order_in_state(OrderStatus.PACKING)))
    second = order_pack_everything(order_in_state(OrderStatus.PACKING))
    used = first.shipments.get().tracking_number

    response = staff_api().post(
        f"/api/v1/orders/{second.number}/shipments/",
        {"carrier": "ghn", "tracking_number": used, "packages": [second.packages.get().pk]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["details"] == {
        "tracking_number": ["Already used for this carrier."]
    }


@pytest.mark.parametrize(
    "tracking_number, problem",
    [
        ("GHN 123", "Only letters, digits and signs"),
        ("GHNđ123", "Only letters, digits and signs"),
        ("X" * 101, "Ensure this field has no more than 100 characters."),
    ],
)
def test_a_tracking_number_a_barcode_cannot_carry_is_refused_and_nothing_is_booked(
    tracking_number, problem
):
    """The label prints it as Code 128 (ASCII only): an accent would be dropped from the
    bars and the scanned number would match nothing; over 100 characters it does not fit."""
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/shipments/",
        {
            "carrier": "ghn",
            "tracking_number": tracking_number,
            "packages": [order.packages.get().pk],
        },
        format="json",
    )

    assert response.status_code == 400
    [message] = response.json()["error"]["details"]["tracking_number"]
    assert message.startswith(problem)
    assert not Shipment.objects.exists()


def shipped_order(tracking_number="GHN1"):
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    order = order_book_shipment(order, tracking_number=tracking_number)
    return order_transition(order=order, transition="ship", actor=None)


def test_the_order_detail_lists_its_shipments_with_tracking_links():
    order = shipped_order()

    body = staff_api().get(f"/api/v1/orders/{order.number}/").json()

    assert body["shipments"] == [
        {
            "id": order.shipments.get().pk,
            "carrier": "ghn",
            "tracking_number": "GHN1",
            "tracking_url": "https://track.example/GHN1",
            "status": "created",
            "packages": [order.packages.get().pk],
            "previous_leg": None,
        }
    ]


def test_a_wrong_carrier_secret_is_401_and_records_nothing(client):
    shipped_order()

    assert carrier_event(client, token="guess").status_code == 401
    assert carrier_event(client, token="").status_code == 401
    assert carrier_event(client, code="dhl").status_code == 401
    assert TrackingEvent.objects.count() == 0


def test_a_repeated_carrier_event_is_accepted_and_ignored(client):
    shipped_order()

    first = carrier_event(client, event_id="e-1", status="out_for_delivery")
    again = carrier_event(client, event_id="e-1", status="out_for_delivery")

    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["recorded"], again.json()["recorded"]) == (True, False)
    assert TrackingEvent.objects.count() == 1
    assert Shipment.objects.get().status == "out_for_delivery"


def test_an_unknown_tracking_number_is_400(client):
    shipped_order()

    response = carrier_event(client, tracking_number="NOPE")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"tracking_number": ["Unknown for this carrier."]}


def test_a_failed_attempt_holds_the_order_and_delivery_later_completes_the_story(client):
    order = shipped_order()

    response = carrier_event(client, event_id="e-1", status="failed_attempt", message="Nobody home")

    assert response.json() == {
        "event_id": "e-1",
        "recorded": True,
        "shipment_status": "failed_attempt",
        "order_status": "on_hold",
    }
    held = Order.objects.get(pk=order.pk)
    assert (held.hold_reason, held.held_from_status) == ("delivery_failed", "shipped")

    carrier_event(client, event_id="e-2", status="delivered")

    delivered = Order.objects.get(pk=order.pk)
    assert delivered.status == OrderStatus.DELIVERED
    assert list(delivered.events.exclude(transition="").values_list("transition", flat=True))[
        -3:
    ] == [
        "hold",
        "release",
        "deliver",
    ]


def test_the_order_is_delivered_only_when_every_shipment_is(client):
    order = order_in_state(OrderStatus.PACKING)
    for line in order.lines.all():
        from fulfillment.services import package_create

        package_create(
            order=order,
            lines=[{"sku": line.sku, "quantity": line.quantity}],
            weight_grams=100,
            actor=None,
        )
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    first, second = order.packages.order_by("id")
    from fulfillment.services import shipment_create

    CarrierFactory()
    shipment_create(
        order=order, carrier_code="ghn", tracking_number="A1", package_ids=[first.pk], actor=None
    )
    shipment_create(
        order=order, carrier_code="ghn", tracking_number="A2", package_ids=[second.pk], actor=None
    )
    order = order_transition(order=order, transition="ship", actor=None)

    carrier_event(client, event_id="d-1", tracking_number="A1", status="delivered")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED

    carrier_event(client, event_id="d-2", tracking_number="A2", status="delivered")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


@pytest.mark.parametrize("field", ["event_id", "status", "occurred_at"])
def test_a_malformed_carrier_event_names_the_field(client, field):
    shipped_order()

    body = (
        {"status": "teleported"}
        if field == "status"
        else {field: "" if field == "event_id" else "soon"}
    )
    response = carrier_event(client, **body)

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_the_carriers_delivery_estimate_is_kept_and_a_bad_one_refused(client):
    order = shipped_order()

    kept = carrier_event(client, event_id="a", estimated_delivery_date="2026-12-03")
    bad = carrier_event(client, event_id="b", estimated_delivery_date="next week")
    silent = carrier_event(client, event_id="c", status="out_for_delivery")

    assert (kept.status_code, bad.status_code, silent.status_code) == (201, 400, 201)
    assert "estimated_delivery_date" in bad.json()["error"]["details"]
    assert str(Shipment.objects.get(order=order).estimated_delivery_date) == "2026-12-03"


def test_delivery_times_come_from_the_carrier(client):
    order = shipped_order()
    when = timezone.now() - timedelta(hours=3)

    carrier_event(client, event_id="d", status="delivered", occurred_at=when.isoformat())

    assert Shipment.objects.get(order=order).delivered_at == when


def test_a_line_haul_shipment_handed_over_to_last_mile_is_delivered_by_the_last_leg(client):
    dhl = CarrierFactory(code="dhl", name="DHL", webhook_secret="dhl-secret")
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    api = staff_api()
    package = order.packages.get()
    line_haul = api.post(
        f"/api/v1/orders/{order.number}/shipments/",
        {"carrier": "dhl", "tracking_number": "DHL-1", "packages": [package.pk]},
        format="json",
    ).json()
    order = order_transition(order=order, transition="ship", actor=None)
    carrier_event(
        client, code="dhl", token=dhl.webhook_secret, event_id="d-1", tracking_number="DHL-1"
    )
    CarrierFactory()  # ghn

    last_mile = api.post(
        f"/api/v1/orders/{order.number}/shipments/",
        {"carrier": "ghn", "tracking_number": "GHN-LM-1", "previous_leg": line_haul["id"]},
        format="json",
    )
    again = api.post(
        f"/api/v1/orders/{order.number}/shipments/",
        {"carrier": "ghn", "tracking_number": "GHN-LM-2", "previous_leg": line_haul["id"]},
        format="json",
    )

    assert last_mile.status_code == 201
    assert (last_mile.json()["previous_leg"], last_mile.json()["packages"]) == (
        line_haul["id"],
        [package.pk],
    )
    assert again.status_code == 409
    # A late scan of the line-haul leg is kept but does not reopen it.
    carrier_event(
        client, code="dhl", token=dhl.webhook_secret, event_id="d-2", tracking_number="DHL-1"
    )
    assert Shipment.objects.get(tracking_number="DHL-1").status == "handed_over"

    carrier_event(client, event_id="g-1", tracking_number="GHN-LM-1", status="delivered")

    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    body = api.get(f"/api/v1/orders/{order.number}/").json()
    assert [(s["carrier"], s["status"]) for s in body["shipments"]] == [
        ("dhl", "handed_over"),
        ("ghn", "delivered"),
    ]
    notes = list(
        order.events.filter(
            event_type__in=[OrderEventType.CARRIER_SCAN, OrderEventType.SHIPMENT_HANDED_OVER]
        ).values_list("note", flat=True)
    )
    assert any(note.startswith("DHL DHL-1: In transit") for note in notes)
    assert any(note.startswith("Giao Hàng Nhanh GHN-LM-1: Delivered") for note in notes)
    assert any("handed over to ghn GHN-LM-1" in note for note in notes)


def test_handing_over_needs_a_shipment_of_this_order():
    order = order_book_shipment(order_pack_everything(order_in_state(OrderStatus.PACKING)))

    response = staff_api().post(
        f"/api/v1/orders/{order.number}/shipments/",
        {"carrier": "ghn", "tracking_number": "X-9", "previous_leg": 999999},
        format="json",
    )

    assert response.status_code == 400
    assert "previous_leg" in response.json()["error"]["details"]


@pytest.mark.django_db
def test_a_scan_read_before_a_hand_over_committed_does_not_undo_it(client, monkeypatch):
    # The scan reads its shipment, then waits for the order's lock while a hand-over of
    # that leg commits: under the lock it must see the hand-over, not its stale copy.
    dhl = CarrierFactory(code="dhl", name="DHL", webhook_secret="dhl-secret")
    order = order_pack_everything(order_in_state(OrderStatus.PACKING))
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    staff_api().post(
        f"/api/v1/orders/{order.number}/shipments/",
        {"carrier": "dhl", "tracking_number": "DHL-9", "packages": [order.packages.get().pk]},
        format="json",
    )
    order_transition(order=order, transition="ship", actor=None)
    real_lock = tracking_service.order_lock

    def lock_after_a_hand_over(order_pk, **kwargs):
        Shipment.objects.filter(tracking_number="DHL-9").update(status="handed_over")
        return real_lock(order_pk, **kwargs)

    monkeypatch.setattr(tracking_service, "order_lock", lock_after_a_hand_over)
    response = carrier_event(
        client, code="dhl", token=dhl.webhook_secret, event_id="d-9", tracking_number="DHL-9"
    )

    assert response.status_code == 201
    assert Shipment.objects.get(tracking_number="DHL-9").status == "handed_over"
    assert TrackingEvent.objects.filter(carrier_event_id="d-9").count() == 1
