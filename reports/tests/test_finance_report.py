"""Every figure of the finance report equals an independent sum over the raw rows."""

import csv
import io
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from fulfillment.services import package_create, shipment_create
from orders.models import Order, PaymentMethod, PaymentStatus
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    StorefrontFactory,
    order_new,
    order_pick_everything,
)
from reports.exports import finance_report_build, report_csv
from reports.models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates
from reports.selectors import MONEY_COLUMNS, ReportPeriod, finance_report_rows
from shared.money import minor_units

CENT = Decimal("0.01")

pytestmark = pytest.mark.django_db

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
PERIOD = ReportPeriod(date(2026, 10, 1), date(2026, 10, 31))
START = datetime(2026, 10, 1, tzinfo=SAIGON)
END = datetime(2026, 11, 1, tzinfo=SAIGON)
KIND_COLUMN = {
    LedgerKind.REVENUE: "revenue",
    LedgerKind.REFUND: "refunds",
    LedgerKind.SHIPPING_CHARGED: "shipping_charged",
    LedgerKind.CARRIER_COST: "carrier_costs",
    LedgerKind.PACKAGING_COST: "packaging_costs",
    LedgerKind.HANDLING_COST: "handling_costs",
    LedgerKind.COD_COLLECTED: "cod_collected",
}


class Clock:
    """Moves time forward for the services (their rows default to timezone.now)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self, minutes: float = 0):
        self.moment += timedelta(minutes=minutes)
        return mock.patch("django.utils.timezone.now", return_value=self.moment)


def _shop(code: str, currency: str):
    storefront = StorefrontFactory(code=code, name=code.title(), currency=currency)
    StorefrontCostRates.objects.create(
        storefront=storefront,
        packaging_per_package=Decimal("1.25") if currency == "USD" else Decimal("5000"),
        handling_per_order=Decimal("0.75") if currency == "USD" else Decimal("3000"),
    )
    CarrierRate.objects.create(
        storefront=storefront,
        carrier=CarrierFactory(),
        per_shipment=Decimal("3.10") if currency == "USD" else Decimal("18000"),
        per_kg=Decimal("0.45") if currency == "USD" else Decimal("7000"),
    )
    return storefront


def _price(currency: str, rng: random.Random) -> str:
    if currency == "USD":
        return f"{rng.randint(100, 9999) / 100:.2f}"
    return str(rng.randint(10, 900) * 1000)


def _order_story(storefront, rng: random.Random, clock: Clock) -> None:
    """One order placed around the period, going as far as chance takes it."""
    method = rng.choice([PaymentMethod.CARD, PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.INVOICE])
    paid_up_front = method == PaymentMethod.CARD and rng.random() < 0.5
    with clock(rng.uniform(10, 900)):
        order = order_new(
            storefront=storefront,
            payment_method=method,
            payment_status=PaymentStatus.PAID if paid_up_front else PaymentStatus.UNPAID,
            lines=[
                {"sku": "MUG-1", "name": "Mug", "quantity": rng.randint(1, 3),
                 "unit_price": _price(storefront.currency, rng)},
                {"sku": "TEA-7", "name": "Tea", "quantity": 1,
                 "unit_price": _price(storefront.currency, rng)},
            ],
            shipping_price=(Decimal(_price(storefront.currency, rng)) / 10).quantize(CENT),
        )  # fmt: skip
    # placed_at's default was bound at import, so the clock does not reach it.
    Order.objects.filter(pk=order.pk).update(placed_at=clock.moment)

    def step(transition: str, **kwargs) -> None:
        nonlocal order
        with clock(rng.uniform(30, 2000)):
            order = order_transition(order=order, transition=transition, actor=None, **kwargs)

    fate = rng.random()
    if method == PaymentMethod.CARD and not paid_up_front:
        step("authorize_payment")
    if fate < 0.15:
        step("cancel", reason="Customer changed their mind")
        return
    step("confirm")
    captured_early = method != PaymentMethod.CASH_ON_DELIVERY and rng.random() < 0.8
    if captured_early and order.payment_status != PaymentStatus.PAID:
        step("capture_payment")
    step("start_picking")
    order = order_pick_everything(order)
    step("start_packing")
    with clock(rng.uniform(5, 60)):
        first = package_create(
            order=order,
            lines=[{"sku": "MUG-1", "quantity": 1}],
            weight_grams=rng.randint(100, 3000),
            actor=None,
        )
        rest = [
            {"sku": line.sku, "quantity": line.quantity - (1 if line.sku == "MUG-1" else 0)}
            for line in order.lines.all()
        ]
        rest = [line for line in rest if line["quantity"]]
        second = package_create(
            order=order, lines=rest, weight_grams=rng.randint(100, 3000), actor=None
        )
        shipment_create(
            order=order,
            carrier_code="ghn",
            tracking_number=f"T{order.pk}",
            package_ids=[first.pk, second.pk],
            actor=None,
        )
    step("mark_ready_to_ship")
    step("ship")
    if fate < 0.3:
        return
    step("deliver")
    if method == PaymentMethod.CASH_ON_DELIVERY and rng.random() < 0.7:
        step("capture_payment")
    order.refresh_from_db()
    if order.amount_refundable > 0 and rng.random() < 0.4:
        # A refund in the currency's own minor units (VND has none); more would be refused.
        part = (order.amount_refundable * Decimal(rng.choice(["0.1", "0.5", "1"]))).quantize(
            Decimal(1).scaleb(-minor_units(order.currency))
        )
        step("refund_payment", amount=part)


@pytest.fixture
def history():
    """About 60 orders whose steps fall before, inside and after October 2026."""
    rng = random.Random(8)  # noqa: S311 - repeatable test data
    shops = [_shop("vn-shop", "VND"), _shop("us-shop", "USD")]
    for index in range(60):
        # Start anywhere from mid-September to the last day of October.
        clock = Clock(
            datetime(2026, 9, 20, tzinfo=SAIGON) + timedelta(hours=rng.uniform(0, 41 * 24))
        )
        _order_story(shops[index % 2], rng, clock)
    # Exactly on the edges: 00:00 on the 1st is inside, 00:00 on the 1st of November is not.
    for moment in (START, END - timedelta(microseconds=1), END):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            edge = order_new(storefront=shops[0], payment_method="card", payment_status="paid")
        Order.objects.filter(pk=edge.pk).update(placed_at=moment)
    return shops


def _independent(storefront_code: str | None = None) -> dict[tuple, dict]:
    """The report's figures summed in Python, row by row, from the ledger and the orders."""
    expected: dict[tuple, dict] = defaultdict(
        lambda: {"orders": 0, **{column: Decimal("0.00") for column in MONEY_COLUMNS}}
    )
    for order in Order.objects.select_related("storefront"):
        if storefront_code and order.storefront.code != storefront_code:
            continue
        if START <= order.placed_at < END:
            key = (order.storefront.code, order.payment_method, order.currency)
            expected[key]["orders"] += 1
    earned_cod: dict[tuple, Decimal] = defaultdict(Decimal)
    for entry in LedgerEntry.objects.select_related("storefront"):
        if storefront_code and entry.storefront.code != storefront_code:
            continue
        key = (entry.storefront.code, entry.payment_method, entry.currency)
        if START <= entry.occurred_at < END:
            expected[key][KIND_COLUMN[entry.kind]] += entry.amount
        if entry.occurred_at < END and entry.payment_method == "cod":
            if entry.kind == LedgerKind.REVENUE:
                earned_cod[key] += entry.amount
            elif entry.kind == LedgerKind.COD_COLLECTED:
                earned_cod[key] -= entry.amount
    for key, owed in earned_cod.items():
        if owed:
            expected[key]["cod_outstanding"] = owed
    for figures in expected.values():
        figures["margin"] = (
            figures["revenue"]
            - figures["refunds"]
            - figures["carrier_costs"]
            - figures["packaging_costs"]
            - figures["handling_costs"]
        )
    return dict(expected)


def test_every_figure_equals_the_sum_of_the_raw_rows(history):
    rows = finance_report_rows(PERIOD)
    expected = _independent()

    by_key = {(r["storefront"], r["payment_method"], r["currency"]): r for r in rows}
    details = {key: row for key, row in by_key.items() if key[0] != "TOTAL"}
    assert set(details) == set(expected)
    for key, figures in expected.items():
        for column, value in figures.items():
            assert details[key][column] == value, (key, column)
    # The totals per currency add up the rows of that currency.
    for currency in ("USD", "VND"):
        total = by_key[("TOTAL", "", currency)]
        for column in ["orders", *MONEY_COLUMNS]:
            assert total[column] == sum(
                figures[column] for key, figures in expected.items() if key[2] == currency
            ), (currency, column)
    # Enough happened for the check to mean something.
    assert all(by_key[("TOTAL", "", c)]["refunds"] > 0 for c in ("USD", "VND"))
    assert by_key[("TOTAL", "", "VND")]["cod_outstanding"] > 0
    assert all(by_key[("TOTAL", "", c)]["orders"] > 5 for c in ("USD", "VND"))


def test_the_edges_of_the_period_count_once(history):
    october = finance_report_rows(PERIOD, storefront=history[0])
    november = finance_report_rows(
        ReportPeriod(date(2026, 11, 1), date(2026, 11, 1)), storefront=history[0]
    )

    edges = LedgerEntry.objects.filter(
        storefront=history[0],
        kind=LedgerKind.REVENUE,
        occurred_at__in=[START, END - timedelta(microseconds=1), END],
    )
    assert edges.count() == 3
    card = next(r for r in october if r["payment_method"] == "card")
    assert card["orders"] == _independent("vn-shop")[("vn-shop", "card", "VND")]["orders"]
    # The order at 00:00 on 1 November belongs to November only.
    last = edges.get(occurred_at=END)
    nov_card = next(r for r in november if r["payment_method"] == "card")
    assert nov_card["orders"] >= 1 and nov_card["revenue"] >= last.amount


def test_the_ledger_agrees_with_each_order(history):
    for order in Order.objects.all():
        entries = LedgerEntry.objects.filter(order=order)
        refunds = sum(e.amount for e in entries if e.kind == LedgerKind.REFUND)
        revenue = sum(e.amount for e in entries if e.kind == LedgerKind.REVENUE)
        assert refunds == order.amount_refunded, order.number
        # Card and invoice orders earn what was captured (an edit may have changed the
        # total since: a refund, or a balance captured later); cash on delivery its total
        # at delivery.
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY:
            assert revenue == (order.total if order.delivered_at else 0), order.number
        else:
            assert revenue == order.amount_paid, order.number


def test_the_ledger_and_the_payment_fields_agree_to_the_currencys_unit(history):
    """Money in the ledger and on the order is the same, in whole units of the currency."""
    for order in Order.objects.all():
        unit = Decimal(1).scaleb(-minor_units(order.currency))
        entries = LedgerEntry.objects.filter(order=order)
        money = [order.total, order.amount_paid, order.amount_refunded]
        money += [e.amount for e in entries if e.kind in (LedgerKind.REVENUE, LedgerKind.REFUND)]
        assert all(amount == amount.quantize(unit) for amount in money), order.number
        refunded = sum(e.amount for e in entries if e.kind == LedgerKind.REFUND)
        assert refunded == order.amount_refunded, order.number
        expected_status = {
            PaymentStatus.REFUNDED: order.amount_paid > 0
            and order.amount_refunded == order.amount_paid,
            PaymentStatus.PARTIALLY_REFUNDED: 0 < order.amount_refunded < order.amount_paid,
            # Less than the total only while a balance an edit added is still due.
            PaymentStatus.PAID: order.amount_paid + order.balance_due == order.total
            and order.amount_refunded == 0,
            PaymentStatus.UNPAID: order.amount_paid == 0,
            PaymentStatus.AUTHORIZED: order.amount_paid == 0,
        }
        assert expected_status.get(order.payment_status, True), order.number


def test_the_csv_follows_the_contract(history, tmp_path):
    output = tmp_path / "october.csv"

    call_command(
        "finance_report", "--from", "2026-10-01", "--to", "2026-10-31", "--format", "csv",
        "--output", str(output),
    )  # fmt: skip

    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert list(rows[0]) == [
        "storefront", "payment_method", "currency", "orders", "revenue", "refunds",
        "shipping_charged", "carrier_costs", "packaging_costs", "handling_costs", "margin",
        "cod_collected", "cod_outstanding",
    ]  # fmt: skip
    assert [r["storefront"] for r in rows[-2:]] == ["TOTAL", "TOTAL"]
    expected = _independent()
    for row in rows[:-2]:
        key = (row["storefront"], row["payment_method"], row["currency"])
        assert int(row["orders"]) == expected[key]["orders"]
        for column in MONEY_COLUMNS:
            assert row[column] == f"{expected[key][column]:.2f}", (key, column)
    assert output.read_bytes() == report_csv(finance_report_build(PERIOD))


def test_one_storefront_only(history):
    rows = finance_report_rows(PERIOD, storefront=history[1])

    assert {r["storefront"] for r in rows} == {"us-shop", "TOTAL"}
    assert {r["currency"] for r in rows} == {"USD"}


def test_bad_command_input_is_a_clear_error(tmp_path):
    from django.core.management import CommandError

    for args, message in [
        (["--from", "2026-10-31", "--to", "2026-10-01"], "--to is before --from"),
        (["--from", "yesterday", "--to", "2026-10-01"], "is not a date"),
        (["--from", "2026-10-01", "--to", "2026-10-02", "--storefront", "nope"], "No storefront"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("finance_report", *args, "--output", str(tmp_path / "x.csv"))
