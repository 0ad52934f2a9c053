"""Finance's ledger and cost-rate pages on the dashboard: what the admin did, without it.

Each form writes what the admin (or `ledger_entry_correct`) wrote; a refusal
(403) or bad input (400) writes nothing; the ledger list costs the same
queries whatever its length.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import PaymentMethod, PaymentStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import CarrierFactory, StorefrontFactory, order_new, user_with_role
from reports.models import CarrierRate, LedgerEntry, LedgerKind, StorefrontCostRates
from reports.services import carrier_rate_create, carrier_rate_update, cost_rates_update
from shared.errors import OrderValidationError, TransitionPermissionDenied

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
LEDGER = "/dashboard/reports/ledger/"
RATES = "/dashboard/reports/rates/"


def paid_order(**kwargs):
    return order_new(payment_method=PaymentMethod.CARD, payment_status=PaymentStatus.PAID, **kwargs)


def revenue_of(order) -> LedgerEntry:
    return LedgerEntry.objects.get(order=order, kind=LedgerKind.REVENUE)


def ledger_rows() -> list[tuple]:
    return list(LedgerEntry.objects.order_by("pk").values_list())


@pytest.fixture
def finance(client):
    user = user_with_role(FINANCE)
    client.force_login(user)
    return user


# -- the ledger list ------------------------------------------------------------------


def test_the_ledger_lists_entries_newest_first_with_money_formatted(client, finance):
    order = paid_order()
    older = revenue_of(order)
    LedgerEntry.objects.create(
        storefront=order.storefront,
        order=order,
        kind=LedgerKind.REFUND,
        amount=Decimal("1234567.00"),
        currency="VND",
        payment_method="card",
        occurred_at=datetime(2030, 1, 1, 9, tzinfo=ZONE),
    )

    page = client.get(LEDGER)
    body = page.content.decode()

    assert page.status_code == 200
    assert [entry.pk for entry in page.context["page"]][-1] == older.pk
    assert page.context["page"][0].kind == LedgerKind.REFUND
    assert "₫1,234,567" in body
    assert f'href="/dashboard/reports/ledger/{older.pk}/correct/"' in body


def test_the_ledger_filters_by_storefront_kind_days_and_order_number(client, finance):
    here, there = StorefrontFactory(code="here"), StorefrontFactory(code="there")
    mine, theirs = paid_order(storefront=here), paid_order(storefront=there)
    late = LedgerEntry.objects.create(
        storefront=here,
        order=mine,
        kind=LedgerKind.REFUND,
        amount=Decimal("5"),
        currency="VND",
        payment_method="card",
        occurred_at=datetime(2026, 10, 31, 23, 30, tzinfo=ZONE),
    )
    LedgerEntry.objects.create(
        storefront=here,
        order=mine,
        kind=LedgerKind.REFUND,
        amount=Decimal("6"),
        currency="VND",
        payment_method="card",
        occurred_at=datetime(2026, 11, 1, 0, 0, tzinfo=ZONE),
    )

    def listed(**query) -> set[int]:
        response = client.get(LEDGER, query)
        assert response.status_code == 200, response.context["form"].errors
        return {entry.pk for entry in response.context["page"]}

    assert listed(storefront="there") == set(
        LedgerEntry.objects.filter(order=theirs).values_list("pk", flat=True)
    )
    assert listed(kind="revenue") == {revenue_of(mine).pk, revenue_of(theirs).pk}
    assert listed(kind="refund", start="2026-10-01", end="2026-10-31") == {late.pk}
    assert listed(order=theirs.number.lower()) == set(
        LedgerEntry.objects.filter(order=theirs).values_list("pk", flat=True)
    )
    assert listed(storefront="here", order=theirs.number) == set()


def test_a_backwards_date_range_is_a_form_error(client, finance):
    response = client.get(LEDGER, {"start": "2026-10-02", "end": "2026-10-01"})

    assert response.status_code == 400
    assert "Must be on or after the first day." in response.content.decode()


def test_the_ledger_is_paginated_and_keeps_its_filters(client, finance):
    order = paid_order()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            storefront=order.storefront,
            order=order,
            kind=LedgerKind.HANDLING_COST,
            amount=Decimal(n),
            currency="VND",
            payment_method="card",
        )
        for n in range(60)
    )

    first = client.get(LEDGER, {"kind": "handling_cost"})
    second = client.get(LEDGER, {"kind": "handling_cost", "page": 2})

    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 10
    assert "?kind=handling_cost&amp;page=2" in first.content.decode()


def _entry(order, **fields) -> LedgerEntry:
    return LedgerEntry(
        storefront_id=order.storefront_id,
        order=order,
        currency="VND",
        payment_method=order.payment_method,
        **{"kind": LedgerKind.REVENUE, "amount": Decimal("100"), **fields},
    )


def test_the_ledger_list_costs_the_same_queries_for_3_or_30_entries(client, finance):
    # Three storefronts and orders (unpaid: they book nothing by themselves).
    orders = [order_new() for _ in range(3)]
    originals = LedgerEntry.objects.bulk_create(_entry(order) for order in orders)
    counts = []
    for more in (0, 27):
        # Corrections show the entry they correct and who made them.
        LedgerEntry.objects.bulk_create(
            _entry(
                orders[n % 3],
                amount=Decimal("-1"),
                corrects=originals[n % 3],
                created_by=finance,
                note=f"fix {n}",
            )
            for n in range(more)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LEDGER)
        assert response.status_code == 200
        assert len(response.context["page"]) == 3 + more
        counts.append(len(queries))

    assert counts[0] == counts[1]


# -- corrections ----------------------------------------------------------------------


@pytest.mark.parametrize("role", [FINANCE, MANAGER])
def test_a_correction_is_a_new_entry_pointing_at_the_one_it_corrects(client, role):
    user = user_with_role(role)
    client.force_login(user)
    order = paid_order()
    entry = revenue_of(order)
    before = ledger_rows()

    form = client.get(f"{LEDGER}{entry.pk}/correct/")
    response = client.post(
        f"{LEDGER}{entry.pk}/correct/", {"amount": "-1", "note": "  Rounding agreed  "}
    )

    assert form.status_code == 200
    assert "Correction amount (VND)" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{LEDGER}?order={order.number}"
    correction = LedgerEntry.objects.exclude(pk__in=[row[0] for row in before]).get()
    # What ledger_entry_correct writes: the original's keys, the signed amount, who and why.
    assert (
        correction.storefront_id,
        correction.order_id,
        correction.shipment_id,
        correction.package_id,
        correction.kind,
        correction.amount,
        correction.currency,
        correction.payment_method,
        correction.region_id,
        correction.created_by_id,
        correction.corrects_id,
        correction.note,
    ) == (
        entry.storefront_id,
        entry.order_id,
        None,
        None,
        "revenue",
        Decimal("-1"),
        "VND",
        "card",
        entry.region_id,
        user.pk,
        entry.pk,
        "Rounding agreed",
    )
    # Nothing else changed: the original and every other entry are as they were.
    assert ledger_rows()[: len(before)] == before
    listed = client.get(response["Location"])
    assert "The correction was recorded." in listed.content.decode()
    assert f"Corrects #{entry.pk}: Rounding agreed" in listed.content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"amount": "0", "note": "Bank fee"}, "amount"),
        ({"amount": "0.00", "note": "Bank fee"}, "amount"),
        ({"amount": "ten", "note": "Bank fee"}, "amount"),
        ({"amount": "1.005", "note": "Bank fee"}, "amount"),
        ({"amount": "1.5", "note": "VND has no decimals"}, "amount"),
        ({"amount": "1e30", "note": "Bank fee"}, "amount"),
        ({"amount": "NaN", "note": "Bank fee"}, "amount"),
        ({"amount": "5", "note": "   "}, "note"),
        ({"amount": "5"}, "note"),
        ({}, "amount"),
    ],
)
def test_a_bad_correction_is_a_form_error_and_writes_nothing(client, finance, data, field):
    entry = revenue_of(paid_order())
    before = ledger_rows()

    response = client.post(f"{LEDGER}{entry.pk}/correct/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert ledger_rows() == before


# -- cost rates -----------------------------------------------------------------------


def rates_rows() -> list[tuple]:
    return list(StorefrontCostRates.objects.order_by("pk").values_list())


def carrier_rows() -> list[tuple]:
    return list(CarrierRate.objects.order_by("pk").values_list())


def test_finance_sets_a_storefronts_first_rates_then_changes_them(client, finance):
    storefront = StorefrontFactory(code="gom", name="Gốm")
    recipients = "a@gom.example,\nb@gom.example"

    page = client.get(f"{RATES}gom/")
    made = client.post(
        f"{RATES}gom/",
        {
            "packaging_per_package": "4500",
            "handling_per_order": "12000",
            "report_recipients": f"  {recipients}  ",
        },
    )
    first = rates_rows()
    changed = client.post(
        f"{RATES}gom/",
        {"packaging_per_package": "0", "handling_per_order": "1", "report_recipients": ""},
    )

    assert page.status_code == 200
    assert made.status_code == changed.status_code == 302
    assert made["Location"] == RATES
    # As the admin's form stored them: the amounts, the recipients text stripped.
    assert [row[1:] for row in first] == [
        (storefront.pk, Decimal("4500.00"), Decimal("12000.00"), recipients)
    ]
    assert [row[1:] for row in rates_rows()] == [
        (storefront.pk, Decimal("0.00"), Decimal("1.00"), "")
    ]
    assert rates_rows()[0][0] == first[0][0]
    listed = client.get(RATES).content.decode()
    assert "Cost rates of Gốm saved." in listed
    assert "₫1.00" not in listed and "<td>₫1</td>" in listed


@pytest.mark.parametrize(
    "data, field",
    [
        ({"packaging_per_package": "-1", "handling_per_order": "0"}, "packaging_per_package"),
        ({"packaging_per_package": "0", "handling_per_order": "-0.01"}, "handling_per_order"),
        ({"packaging_per_package": "x", "handling_per_order": "0"}, "packaging_per_package"),
        ({"handling_per_order": "0"}, "packaging_per_package"),
        (
            {
                "packaging_per_package": "1",
                "handling_per_order": "1",
                "report_recipients": "ok@shop.example, not-an-address",
            },
            "report_recipients",
        ),
    ],
)
def test_bad_cost_rates_are_a_form_error_and_write_nothing(client, finance, data, field):
    storefront = StorefrontFactory(code="gom")
    StorefrontCostRates.objects.create(storefront=storefront, packaging_per_package=Decimal("7"))
    before = rates_rows()

    response = client.post(f"{RATES}gom/", data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert rates_rows() == before


def test_the_recipients_error_names_the_bad_address(client, finance):
    StorefrontFactory(code="gom")

    response = client.post(
        f"{RATES}gom/",
        {
            "packaging_per_package": "1",
            "handling_per_order": "1",
            "report_recipients": "ok@shop.example\nnot-an-address",
        },
    )

    assert "Not an e-mail address: not-an-address" in response.content.decode()
    assert not StorefrontCostRates.objects.exists()


def test_finance_adds_and_changes_a_carrier_rate(client, finance):
    storefront = StorefrontFactory(code="gom")
    carrier = CarrierFactory()

    page = client.get(f"{RATES}gom/carriers/new/")
    made = client.post(
        f"{RATES}gom/carriers/new/",
        {"carrier": carrier.pk, "per_shipment": "25000", "per_kg": "3500"},
    )
    again = client.post(
        f"{RATES}gom/carriers/new/",
        {"carrier": carrier.pk, "per_shipment": "1", "per_kg": "1"},
    )
    rate = CarrierRate.objects.get()
    first = carrier_rows()
    changed = client.post(f"{RATES}carriers/{rate.pk}/", {"per_shipment": "20000", "per_kg": "0"})

    assert page.status_code == 200
    assert made.status_code == changed.status_code == 302
    assert again.status_code == 400
    assert "Already has a rate for this storefront." in again.content.decode()
    assert [row[1:] for row in first] == [
        (storefront.pk, carrier.pk, Decimal("25000.00"), Decimal("3500.00"))
    ]
    assert [row[1:] for row in carrier_rows()] == [
        (storefront.pk, carrier.pk, Decimal("20000.00"), Decimal("0.00"))
    ]
    assert "₫25,000" not in client.get(RATES).content.decode()
    assert "₫20,000" in client.get(RATES).content.decode()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"per_shipment": "-5", "per_kg": "0"}, "per_shipment"),
        ({"per_shipment": "0", "per_kg": "-0.5"}, "per_kg"),
        ({"per_shipment": "0"}, "per_kg"),
        ({"per_shipment": "Infinity", "per_kg": "0"}, "per_shipment"),
        ({"per_shipment": "0", "per_kg": "3500.50"}, "per_kg"),  # VND has no cents
    ],
)
def test_bad_carrier_rates_are_a_form_error_and_write_nothing(client, finance, data, field):
    storefront = StorefrontFactory(code="gom")
    carrier = CarrierFactory()
    rate = CarrierRate.objects.create(storefront=storefront, carrier=other_carrier(), per_kg=1)
    before = carrier_rows()

    added = client.post(f"{RATES}gom/carriers/new/", {"carrier": carrier.pk, **data})
    edited = client.post(f"{RATES}carriers/{rate.pk}/", data)

    assert added.status_code == edited.status_code == 400
    assert added.context["form"].errors[field] and edited.context["form"].errors[field]
    assert carrier_rows() == before


def other_carrier():
    return CarrierFactory(code="vnpost", name="VNPost")


def test_the_services_check_the_rules_without_the_form():
    storefront = StorefrontFactory()
    rate = CarrierRate.objects.create(storefront=storefront, carrier=CarrierFactory())

    with pytest.raises(OrderValidationError) as negative:
        cost_rates_update(
            storefront=storefront,
            packaging_per_package=Decimal("-1"),
            handling_per_order=Decimal("0"),
            report_recipients="",
            actor=user_with_role(FINANCE),
        )
    with pytest.raises(TransitionPermissionDenied):
        cost_rates_update(
            storefront=storefront,
            packaging_per_package=Decimal("1"),
            handling_per_order=Decimal("0"),
            report_recipients="",
            actor=user_with_role(WAREHOUSE),
        )
    with pytest.raises(TransitionPermissionDenied):
        carrier_rate_update(
            rate=rate,
            per_shipment=Decimal("1"),
            per_kg=Decimal("1"),
            actor=user_with_role(CUSTOMER_CARE),
        )

    assert negative.value.details == {"packaging_per_package": ["Must be zero or more."]}
    assert not StorefrontCostRates.objects.exists()
    assert CarrierRate.objects.get().per_shipment == Decimal("0.00")


# -- who may --------------------------------------------------------------------------


def _pages(entry: LedgerEntry, rate: CarrierRate) -> list[tuple[str, str, dict]]:
    return [
        ("get", LEDGER, {}),
        ("get", f"{LEDGER}{entry.pk}/correct/", {}),
        ("post", f"{LEDGER}{entry.pk}/correct/", {"amount": "1", "note": "Bank fee"}),
        ("get", RATES, {}),
        ("get", f"{RATES}gom/", {}),
        (
            "post",
            f"{RATES}gom/",
            {"packaging_per_package": "1", "handling_per_order": "2", "report_recipients": ""},
        ),
        ("get", f"{RATES}gom/carriers/new/", {}),
        (
            "post",
            f"{RATES}gom/carriers/new/",
            {"carrier": other_carrier().pk, "per_shipment": "1", "per_kg": "1"},
        ),
        ("get", f"{RATES}carriers/{rate.pk}/", {}),
        ("post", f"{RATES}carriers/{rate.pk}/", {"per_shipment": "9", "per_kg": "9"}),
    ]


@pytest.mark.parametrize(
    "role, allowed",
    [(FINANCE, True), (MANAGER, True), (WAREHOUSE, False), (CUSTOMER_CARE, False)],
)
def test_finance_and_managers_may_others_are_refused_and_nothing_is_written(client, role, allowed):
    client.force_login(user_with_role(role))
    storefront = StorefrontFactory(code="gom")
    entry = revenue_of(paid_order(storefront=storefront))
    rate = CarrierRate.objects.create(storefront=storefront, carrier=CarrierFactory())

    statuses = []
    for method, url, data in _pages(entry, rate):
        before = (ledger_rows(), rates_rows(), carrier_rows())
        response = getattr(client, method)(url, data)
        statuses.append(response.status_code)
        if not allowed:
            assert (ledger_rows(), rates_rows(), carrier_rows()) == before, url

    if allowed:
        assert statuses == [200, 200, 302, 200, 200, 302, 200, 302, 200, 302]
        assert LedgerEntry.objects.filter(corrects=entry).count() == 1
        assert StorefrontCostRates.objects.get().handling_per_order == Decimal("2.00")
        assert CarrierRate.objects.get(pk=rate.pk).per_kg == Decimal("9.00")
        assert CarrierRate.objects.count() == 2
    else:
        assert statuses == [403] * 10


def test_the_header_links_finance_pages_only_for_those_who_may(client):
    client.force_login(user_with_role(FINANCE))
    finance_page = client.get("/dashboard/board/").content.decode()
    client.force_login(user_with_role(WAREHOUSE))
    warehouse_page = client.get("/dashboard/board/").content.decode()

    assert f'href="{LEDGER}"' in finance_page and f'href="{RATES}"' in finance_page
    assert f'href="{LEDGER}"' not in warehouse_page and f'href="{RATES}"' not in warehouse_page


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(LEDGER)

    assert response.status_code == 302 and "/dashboard/login/" in response["Location"]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1000000000000"])
def test_rates_that_are_not_finite_or_too_large_for_the_books_are_refused(amount):
    storefront = StorefrontFactory()
    carrier = CarrierFactory()
    finance = user_with_role(FINANCE)

    with pytest.raises(OrderValidationError):
        cost_rates_update(
            storefront=storefront,
            packaging_per_package=Decimal(amount),
            handling_per_order=Decimal("0"),
            report_recipients="",
            actor=finance,
        )
    with pytest.raises(OrderValidationError):
        carrier_rate_create(
            storefront=storefront,
            carrier=carrier,
            per_shipment=Decimal(amount),
            per_kg=Decimal("0"),
            actor=finance,
        )

    assert not StorefrontCostRates.objects.exists()
    assert not CarrierRate.objects.exists()


def test_changing_a_carrier_rate_that_was_deleted_is_a_validation_error():
    rate = CarrierRate.objects.create(storefront=StorefrontFactory(), carrier=CarrierFactory())
    rate_id = rate.pk
    rate.delete()

    with pytest.raises(OrderValidationError, match="no longer exists"):
        carrier_rate_update(
            rate=rate_id,
            per_shipment=Decimal("1"),
            per_kg=Decimal("1"),
            actor=user_with_role(FINANCE),
        )


def test_a_vnd_rate_with_cents_is_refused_naming_the_field_and_a_usd_one_is_kept():
    finance = user_with_role(FINANCE)
    dong = StorefrontFactory(code="dong", currency="VND")
    dollars = StorefrontFactory(code="usd", currency="USD")

    with pytest.raises(OrderValidationError) as refused:
        carrier_rate_create(
            storefront=dong,
            carrier=CarrierFactory(),
            per_shipment=Decimal("20000.5"),
            per_kg=Decimal("0"),
            actor=finance,
        )
    with pytest.raises(OrderValidationError) as packaging:
        cost_rates_update(
            storefront=dong,
            packaging_per_package=Decimal("0.01"),
            handling_per_order=Decimal("0"),
            report_recipients="",
            actor=finance,
        )
    kept = carrier_rate_create(
        storefront=dollars,
        carrier=other_carrier(),
        per_shipment=Decimal("2.50"),
        per_kg=Decimal("0.45"),
        actor=finance,
    )

    assert refused.value.details == {"per_shipment": ["VND amounts have no decimals."]}
    assert list(packaging.value.details) == ["packaging_per_package"]
    assert not StorefrontCostRates.objects.exists()
    assert CarrierRate.objects.get().pk == kept.pk
    assert (kept.per_shipment, kept.per_kg) == (Decimal("2.50"), Decimal("0.45"))
