"""The ledger is written by the services that move money, and never edited."""

from decimal import Decimal

import pytest

from fulfillment.models import Shipment
from fulfillment.services import package_create, shipment_create
from orders.models import OrderStatus, PaymentMethod, PaymentStatus
from orders.roles import FINANCE, MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    StorefrontFactory,
    order_in_state,
    order_new,
    order_step,
    user_with_role,
)
from reports.ledger import ledger_balance, ledger_entry_correct
from reports.models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates
from shared.errors import OrderValidationError, TransitionPermissionDenied
from shared.money import MONEY_LIMIT

pytestmark = pytest.mark.django_db


MAX_AMOUNT = MONEY_LIMIT - Decimal("0.01")


def booked(order) -> list[tuple[str, Decimal]]:
    return list(
        LedgerEntry.objects.filter(order=order).order_by("id").values_list("kind", "amount")
    )


def test_a_card_order_paid_on_arrival_earns_at_once():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)

    # 2 x 120,000 + 85,001 + 30,000 shipping
    assert booked(order) == [
        ("revenue", Decimal("355001")),
        ("shipping_charged", Decimal("30000.00")),
    ]
    entry = LedgerEntry.objects.filter(order=order).first()
    assert (entry.currency, entry.payment_method) == ("VND", "card")


def test_card_revenue_on_capture_and_refunds_as_issued():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.AUTHORIZED)
    assert booked(order) == []

    order = order_transition(order=order, transition="capture_payment", actor=None)
    order = order_transition(
        order=order, transition="refund_payment", actor=None, amount=Decimal("50000")
    )

    assert booked(order) == [
        ("revenue", Decimal("355001")),
        ("shipping_charged", Decimal("30000.00")),
        ("refund", Decimal("50000.00")),
    ]


def test_cancelling_a_paid_order_books_the_automatic_refund():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)

    order_transition(order=order, transition="cancel", actor=None, reason="Changed mind")

    assert booked(order)[-1] == ("refund", Decimal("355001"))


def test_cash_on_delivery_earns_at_delivery_and_is_collected_later_not_twice():
    order = order_in_state(OrderStatus.SHIPPED)  # cash on delivery
    assert LedgerKind.REVENUE not in dict(booked(order))

    order = order_transition(order=order, transition="deliver", actor=None)
    order = order_transition(order=order, transition="capture_payment", actor=None)

    assert [kind for kind, _ in booked(order)] == ["revenue", "shipping_charged", "cod_collected"]
    assert ledger_balance(order, LedgerKind.COD_COLLECTED) == Decimal("355001")


def test_cash_on_delivery_arriving_paid_is_cash_collected_and_earns_once_at_delivery():
    # An import row or a platform order that says the cash was already collected.
    order = order_new(payment_method=PaymentMethod.CASH_ON_DELIVERY, payment_status="paid")
    assert booked(order) == [("cod_collected", Decimal("355001"))]
    assert ledger_balance(order, LedgerKind.COD_COLLECTED) == order.amount_paid

    for step in ("confirm", "start_picking", "start_packing", "mark_ready_to_ship", "ship"):
        order = order_step(order, step)
    order = order_transition(order=order, transition="deliver", actor=None)

    assert ledger_balance(order, LedgerKind.REVENUE) == order.total == Decimal("355001")
    assert ledger_balance(order, LedgerKind.COD_COLLECTED) == order.amount_paid


def test_costs_come_from_the_storefronts_rates():
    storefront = StorefrontFactory()
    carrier = CarrierFactory()
    StorefrontCostRates.objects.create(
        storefront=storefront,
        packaging_per_package=Decimal("5000"),
        handling_per_order=Decimal("12000"),
    )
    CarrierRate.objects.create(
        storefront=storefront,
        carrier=carrier,
        per_shipment=Decimal("20000"),
        per_kg=Decimal("8000"),
    )
    order = order_in_state(OrderStatus.PACKING, storefront=storefront)
    first = package_create(
        order=order, lines=[{"sku": "MUG-1", "quantity": 2}], weight_grams=1500, actor=None
    )
    second = package_create(
        order=order, lines=[{"sku": "TEA-7", "quantity": 1}], weight_grams=250, actor=None
    )
    shipment_create(
        order=order,
        carrier_code=carrier.code,
        tracking_number="GHN-1",
        package_ids=[first.pk, second.pk],
        actor=None,
    )
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    order_transition(order=order, transition="ship", actor=None)

    assert booked(order) == [
        ("packaging_cost", Decimal("5000.00")),
        ("packaging_cost", Decimal("5000.00")),
        ("carrier_cost", Decimal("34000.00")),  # 20,000 + 1.75 kg x 8,000
        ("handling_cost", Decimal("12000.00")),
    ]


def test_a_carrier_cost_beyond_the_money_column_refuses_the_booking_and_writes_nothing():
    storefront = StorefrontFactory()
    carrier = CarrierFactory()
    CarrierRate.objects.create(
        storefront=storefront, carrier=carrier, per_shipment=Decimal("0"), per_kg=MAX_AMOUNT
    )
    order = order_in_state(OrderStatus.PACKING, storefront=storefront)
    package = package_create(
        order=order, lines=[{"sku": "MUG-1", "quantity": 2}], weight_grams=2_000, actor=None
    )
    entries = LedgerEntry.objects.count()

    with pytest.raises(OrderValidationError) as refused:
        shipment_create(
            order=order,
            carrier_code=carrier.code,
            tracking_number="GHN-BIG",
            package_ids=[package.pk],
            actor=None,
        )

    assert list(refused.value.details) == ["packages"]
    assert not Shipment.objects.filter(order=order).exists()
    assert LedgerEntry.objects.count() == entries


def test_a_computed_vnd_carrier_cost_is_booked_in_whole_dong_rounded_half_up():
    storefront = StorefrontFactory(currency="VND")
    carrier = CarrierFactory()
    CarrierRate.objects.create(
        storefront=storefront, carrier=carrier, per_shipment=Decimal("0"), per_kg=Decimal("3333")
    )
    order = order_in_state(OrderStatus.PACKING, storefront=storefront)
    package = package_create(
        order=order,
        lines=[{"sku": "MUG-1", "quantity": 2}, {"sku": "TEA-7", "quantity": 1}],
        weight_grams=500,
        actor=None,
    )
    shipment_create(
        order=order,
        carrier_code=carrier.code,
        tracking_number="GHN-2",
        package_ids=[package.pk],
        actor=None,
    )
    order = order_transition(order=order, transition="mark_ready_to_ship", actor=None)
    order_transition(order=order, transition="ship", actor=None)

    # 0.5 kg x 3,333 = 1,666.5 dong, which nobody can pay: booked as 1,667.
    assert booked(order) == [("carrier_cost", Decimal("1667.00"))]


def test_a_refused_change_books_nothing():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    before = booked(order)

    with pytest.raises(OrderValidationError):
        order_transition(
            order=order, transition="refund_payment", actor=None, amount=Decimal("999999999")
        )

    assert booked(order) == before


def test_entries_are_never_changed_only_corrected():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    entry = LedgerEntry.objects.get(order=order, kind=LedgerKind.REVENUE)

    entry.amount = Decimal("1")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(TypeError):
        entry.delete()

    correction = ledger_entry_correct(
        entry=entry.pk,
        amount=Decimal("-1"),
        note="Rounding agreed with the customer",
        actor=user_with_role(MANAGER),
    )

    assert correction.corrects_id == entry.pk
    assert ledger_balance(order, LedgerKind.REVENUE) == Decimal("355000.00")
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("355001")


def test_only_those_allowed_correct_the_ledger_and_they_say_why():
    order = order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID)
    entry = LedgerEntry.objects.filter(order=order).first()

    with pytest.raises(TransitionPermissionDenied):
        ledger_entry_correct(
            entry=entry, amount=Decimal("1"), note="x", actor=user_with_role(WAREHOUSE)
        )
    with pytest.raises(OrderValidationError):
        ledger_entry_correct(
            entry=entry, amount=Decimal("1"), note=" ", actor=user_with_role(FINANCE)
        )
    correction = ledger_entry_correct(
        entry=entry, amount=Decimal("1"), note="Bank fee", actor=user_with_role(FINANCE)
    )
    assert correction.created_by.groups.get().name == FINANCE
