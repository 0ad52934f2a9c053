"""Every staff and customer page, walked with the demo data as each demo user.

The walk lists the pages from the URL configuration itself (the dashboard, its
finance and KPI pages, the printable papers, the tracking pages), so a page
added later is walked too, or the test names it as one it cannot reach. Each
page answers 200 (or 403 to a role it is not for, 405 to a GET if it only
takes POSTs), and each list shows at least one row: the demo leaves no screen
empty. The admin's changelists are walked as the manager.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aggregators.models import TrackingUpdate
from connectors.models import ImportJob, ImportJobStatus, PlatformDelivery
from customers.preferences import preferences_url
from fulfillment.models import (
    AfterSalesPhoto,
    AfterSalesRequest,
    Package,
    PickList,
    RefundProposal,
    Shipment,
    SupplierRequest,
)
from orders.demo import DEMO_ACCOUNTS, demo_data_seed
from orders.links import tracking_url
from orders.models import BulkJob, Order, OrderChangeRequest, OrderStatus, Storefront
from reports.models import CarrierRate, LedgerEntry, ReportRun

# Enough orders for every status, every scene and a row in every queue.
DEMO_ORDERS = 80
# The faces walked: (URL prefix, namespace).
WALKED = ("dashboard", "finance", "reports", "fulfillment", "tracking")
# Pages that only take POST (a form's target); a GET gets 405.
POST_ONLY = {
    "dashboard:logout",
    "dashboard:order-transition",
    "dashboard:order-pick",
    "dashboard:order-pack",
    "dashboard:order-open-package-empty",
    "dashboard:scan",
    "dashboard:order-book-shipment",
    "dashboard:order-team",
    "dashboard:order-split",
    "dashboard:bulk-preview",
    "dashboard:bulk-run",
    "dashboard:pick-list-make",
    "dashboard:after-sales-act",
    "dashboard:supplier-request-act",
    "dashboard:refund-reject",
    "tracking:track_after_sales",
    "dashboard:change-request-approve",
    "dashboard:change-request-reject",
    "tracking:track_change_request",
    "dashboard:import-job-confirm",
    "dashboard:import-job-discard",
    "dashboard:platform-delivery-apply",
    "dashboard:platform-delivery-resolve",
    "dashboard:tracking-update-apply",
    "dashboard:tracking-update-resolve",
}
# Pages that send the user on (the landing page picks a queue).
REDIRECTS = {"dashboard:home"}
# Papers of what may not be packed yet (the demo's wave is still being picked): a 404 page
# that says so (dashboard/tests/test_papers_pdf.py checks the PDFs).
NOTHING_PACKED_YET = {"fulfillment:order-papers", "fulfillment:pick-list-papers"}
# What a list's rows carry; each of these pages shows at least one.
ROW_MARKERS = {
    "dashboard:board": 'data-order="',
    "dashboard:queue": 'data-order="',
    "dashboard:overview": 'data-stage="',
    "dashboard:supplier-request-list": 'data-request="',
    "dashboard:after-sales-list": 'data-request="',
    "dashboard:refund-queue": 'data-refund-proposal="',
    "dashboard:change-requests": 'data-change-request="',
    "dashboard:bulk-job": 'class="bulk-result ',
    "dashboard:imports": 'data-import-job="',
    "dashboard:import-job": 'data-row="',
    "dashboard:platform-deliveries": 'data-delivery="',
    "dashboard:tracking-updates": 'data-tracking-update="',
    "finance:runs": 'href="/dashboard/reports/[0-9]+/"',
    "finance:ledger": 'data-entry="',
    "finance:cost-rates": 'data-carrier-rate="',
    "fulfillment:pick-list": r"OR[0-9A-Z]{8}",
    "dashboard:pick-list": 'data-pick-sku="',
}
# Pages with no demo object to show (yet): named here so that the gap is visible.
NOTHING_TO_SHOW = {"fulfillment:after-sales-photo"}

User = get_user_model()


@dataclass(frozen=True)
class Demo:
    """The seeded demo, as the walk needs it: one or more objects for each kind of page."""

    orders: dict[str, Order]
    supplier_request: int
    after_sales_request: int | None
    after_sales_photo: int | None
    refund_proposal: int
    bulk_job: int
    report_run: int
    ledger_entry: int
    carrier_rate: int
    storefront: str
    pick_list: int
    package: int
    shipment: int
    change_request: int
    import_job: int
    platform_delivery: int
    tracking_update: int


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Demo]:
    """The demo seeded once for the module, rolled back at its end."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_data_seed(orders=DEMO_ORDERS)
            photo = AfterSalesPhoto.objects.order_by("id").first()
            yield Demo(
                orders={
                    status: Order.objects.filter(status=status).order_by("id").first()
                    for status in OrderStatus.values
                },
                supplier_request=SupplierRequest.objects.order_by("id").first().pk,
                after_sales_request=AfterSalesRequest.objects.values_list("pk", flat=True).first(),
                after_sales_photo=photo.pk if photo else None,
                refund_proposal=RefundProposal.objects.filter(status="pending")
                .order_by("id")
                .first()
                .pk,
                bulk_job=BulkJob.objects.get().pk,
                report_run=ReportRun.objects.get().pk,
                ledger_entry=LedgerEntry.objects.order_by("id").first().pk,
                carrier_rate=CarrierRate.objects.order_by("id").first().pk,
                storefront=Storefront.objects.order_by("code").first().code,
                pick_list=PickList.objects.get().pk,
                package=Package.objects.order_by("id").first().pk,
                shipment=Shipment.objects.order_by("id").first().pk,
                change_request=OrderChangeRequest.objects.pending().first().pk,
                import_job=_import_job_done().pk,
                platform_delivery=PlatformDelivery.objects.order_by("id").first().pk,
                tracking_update=TrackingUpdate.objects.order_by("id").first().pk,
            )
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _import_job_done() -> ImportJob:
    """A file imported with one row refused: the demo seed (orders) cannot make connectors' rows."""
    return ImportJob.objects.create(
        storefront=Storefront.objects.order_by("code").first(),
        file_name="orders.csv",
        status=ImportJobStatus.DONE,
        rows_total=3,
        orders_total=2,
        orders_done=2,
        orders_created=1,
        orders_failed=1,
        row_errors=[{"row": 3, "external_id": "X", "field": "quantity", "message": "Must be..."}],
    )


def _order_numbers(demo: Demo) -> list[dict]:
    return [{"number": order.number} for order in demo.orders.values()]


def _one_order(demo: Demo) -> list[dict]:
    return [{"number": demo.orders[OrderStatus.PICKING].number}]


def _tokens(demo: Demo) -> list[dict]:
    return [
        {"token": tracking_url(order).rstrip("/").rsplit("/", 1)[-1]}
        for order in demo.orders.values()
    ]


# How to fill each page's address from the demo; a list means "walk each of these".
ARGUMENTS: dict[str, Callable[[Demo], list[dict]]] = {
    "dashboard:queue": lambda demo: [{"status": status} for status in OrderStatus.values],
    "dashboard:order-detail": _order_numbers,
    **{
        f"dashboard:{name}": _one_order
        for name in ("order-transition", "order-pick", "order-pack", "order-book-shipment")
    },
    "dashboard:order-open-package-empty": _one_order,
    "dashboard:order-team": _one_order,
    "dashboard:order-split": _one_order,
    # The edit and cancel-items steps' first page (GET: the form).
    "dashboard:order-edit": lambda demo: [{"number": demo.orders[OrderStatus.PROCESSING].number}],
    "dashboard:order-cancel-items": lambda demo: [
        {"number": demo.orders[OrderStatus.PROCESSING].number}
    ],
    "dashboard:order-after-sales-open": lambda demo: [
        {"number": demo.orders[OrderStatus.DELIVERED].number}
    ],
    "dashboard:refund-approve": lambda demo: [{"pk": demo.refund_proposal}],
    "dashboard:refund-reject": lambda demo: [{"pk": demo.refund_proposal}],
    "dashboard:supplier-request-act": lambda demo: [{"pk": demo.supplier_request}],
    "dashboard:after-sales-act": lambda demo: (
        [{"pk": demo.after_sales_request}] if demo.after_sales_request else []
    ),
    "dashboard:supplier-request-detail": lambda demo: [{"pk": demo.supplier_request}],
    "dashboard:after-sales-detail": lambda demo: (
        [{"pk": demo.after_sales_request}] if demo.after_sales_request else []
    ),
    "dashboard:bulk-job": lambda demo: [{"pk": demo.bulk_job}],
    "dashboard:bulk-job-progress": lambda demo: [{"pk": demo.bulk_job}],
    **{
        f"dashboard:{name}": lambda demo: [{"pk": demo.import_job}]
        for name in (
            "import-job",
            "import-job-confirm",
            "import-job-discard",
            "import-job-progress",
        )
    },
    **{
        f"dashboard:{name}": lambda demo: [{"pk": demo.platform_delivery}]
        for name in ("platform-delivery", "platform-delivery-apply", "platform-delivery-resolve")
    },
    **{
        f"dashboard:{name}": lambda demo: [{"pk": demo.tracking_update}]
        for name in ("tracking-update", "tracking-update-apply", "tracking-update-resolve")
    },
    "finance:run": lambda demo: [{"pk": demo.report_run}],
    "finance:run-progress": lambda demo: [{"pk": demo.report_run}],
    "finance:run-download": lambda demo: [
        {"pk": demo.report_run, "kind": kind} for kind in ("csv", "xlsx", "html")
    ],
    "finance:ledger-correct": lambda demo: [{"pk": demo.ledger_entry}],
    "finance:carrier-rate-edit": lambda demo: [{"pk": demo.carrier_rate}],
    "finance:cost-rates-edit": lambda demo: [{"code": demo.storefront}],
    "finance:carrier-rate-add": lambda demo: [{"code": demo.storefront}],
    "fulfillment:pick-list": lambda demo: [{"pk": demo.pick_list}],
    "dashboard:pick-list": lambda demo: [{"pk": demo.pick_list}],
    "fulfillment:order-pick-list": lambda demo: [
        {"number": demo.orders[OrderStatus.PICKING].number}
    ],
    "fulfillment:packing-slip": lambda demo: [{"pk": demo.package}],
    "fulfillment:package-slip-pdf": lambda demo: [{"pk": demo.package}],
    "fulfillment:shipment-label": lambda demo: [{"pk": demo.shipment}],
    "fulfillment:order-papers": lambda demo: [
        {"number": demo.orders[OrderStatus.SHIPPED].number},
        {"number": demo.orders[OrderStatus.PICKING].number},  # nothing packed yet: a 404 page
    ],
    "fulfillment:pick-list-papers": lambda demo: [{"pk": demo.pick_list}],
    "fulfillment:after-sales-photo": lambda demo: (
        [{"pk": demo.after_sales_photo}] if demo.after_sales_photo else []
    ),
    "tracking:track_order": _tokens,
    "tracking:track_after_sales": lambda demo: _tokens(demo)[:1],
    "tracking:track_change_request": lambda demo: _tokens(demo)[:1],
    "dashboard:change-request-approve": lambda demo: [{"pk": demo.change_request}],
    "dashboard:change-request-reject": lambda demo: [{"pk": demo.change_request}],
    "tracking:notification_preferences": lambda demo: [
        {"token": _preferences_token(demo.orders[OrderStatus.SHIPPED])}
    ],
}


def _preferences_token(order: Order) -> str:
    return preferences_url(order.customer).rstrip("/").rsplit("/", 1)[-1]


def _named_patterns() -> Iterator[tuple[str, URLPattern]]:
    """Every named page of the walked namespaces, as "namespace:name"."""

    def walk(patterns, namespace: str | None) -> Iterator[tuple[str, URLPattern]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name and namespace in WALKED:
                yield f"{namespace}:{pattern.name}", pattern

    yield from walk(get_resolver().url_patterns, None)


def _addresses(demo: Demo) -> dict[str, list[str]]:
    """Each page's addresses to walk; pages that take no arguments have one."""
    addresses: dict[str, list[str]] = {}
    for name, pattern in _named_patterns():
        if not pattern.pattern.converters:
            addresses[name] = [reverse(name)]
        else:
            assert name in ARGUMENTS, f"{name} takes arguments: say in ARGUMENTS how to fill them"
            addresses[name] = [reverse(name, kwargs=kwargs) for kwargs in ARGUMENTS[name](demo)]
    return addresses


def _client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.mark.django_db
def test_every_page_answers_each_demo_user_and_no_list_is_empty(demo):
    addresses = _addresses(demo)
    clients = {account.username: _client_for(account.username) for account in DEMO_ACCOUNTS}

    unreachable = {name for name, urls in addresses.items() if not urls}
    assert unreachable == NOTHING_TO_SHOW | (
        set()
        if demo.after_sales_request
        else {"dashboard:after-sales-detail", "dashboard:after-sales-act"}
    )
    for name, urls in addresses.items():
        for url in urls:
            answers = {username: client.get(url) for username, client in clients.items()}
            statuses = {username: answer.status_code for username, answer in answers.items()}
            if name in POST_ONLY:
                assert set(statuses.values()) == {405}, (url, statuses)
                continue
            allowed = {302} if name in REDIRECTS else {200, 403}
            if name in NOTHING_PACKED_YET:
                allowed.add(404)
            assert set(statuses.values()) <= allowed, (url, statuses)
            readers = [username for username, status in statuses.items() if status != 403]
            assert readers, f"{url}: no demo user may see it"
            if name in ROW_MARKERS and (
                name != "dashboard:after-sales-list" or demo.after_sales_request
            ):
                # The manager sees every team's orders; otherwise the first role let in.
                reader = "manager" if "manager" in readers else readers[0]
                page = answers[reader].content.decode()
                assert re.search(ROW_MARKERS[name], page), f"{url} shows no rows to {reader}"


@pytest.mark.django_db
def test_the_login_page_and_the_lookup_form_answer_anyone(demo):
    client = Client()

    assert client.get(reverse("dashboard:login")).status_code == 200
    assert client.get(reverse("tracking:track_lookup")).status_code == 200
    assert client.get(reverse("dashboard:board")).status_code == 302


@pytest.mark.django_db
def test_tracking_pages_show_the_storefronts_support_address(demo):
    client = Client()

    for order in demo.orders.values():
        page = client.get(tracking_url(order)).content.decode()
        assert order.storefront.support_email, order.storefront
        assert f'href="mailto:{order.storefront.support_email}"' in page, order.number


# Admin lists the demo has no rows for, and why.
ADMIN_EMPTY = {
    "axes.AccessAttempt": "nobody has failed to log in",
    "axes.AccessFailureLog": "nobody has failed to log in",
    "axes.AccessLog": "the demo users are logged in by the test, not through the form",
    "django_celery_beat.ClockedSchedule": "beat writes its schedule when it starts",
    "django_celery_beat.CrontabSchedule": "beat writes its schedule when it starts",
    "django_celery_beat.IntervalSchedule": "beat writes its schedule when it starts",
    "django_celery_beat.PeriodicTask": "beat writes its schedule when it starts",
    "django_celery_beat.SolarSchedule": "beat writes its schedule when it starts",
    "customers.PersonalDataAction": "no customer has asked for their data or its erasure",
    "authtoken.TokenProxy": "staff tokens are made by drf_create_token when a tool needs one",
    "rest_framework_api_key.APIKey": "storefront keys are StorefrontAPIKey rows",
    "webhooks.WebhookEvent": "the demo storefronts have no webhook URL to deliver to",
    "connectors.PlatformStatusPush": "no demo storefront sells through Shopify or WooCommerce",
    "connectors.PlatformConnection": "no demo storefront sells on Shopify or WooCommerce",
    "connectors.PlatformDelivery": "no demo storefront sells on Shopify or WooCommerce",
}


@pytest.mark.django_db
def test_the_managers_admin_lists_show_the_demo(demo):
    client = _client_for("manager")
    manager = User.objects.get(username="manager")
    empty = set()

    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        response = client.get(url)
        if not manager.has_perm(f"{meta.app_label}.view_{meta.model_name}") and not (
            manager.has_perm(f"{meta.app_label}.change_{meta.model_name}")
        ):
            assert response.status_code == 403, url
            continue
        assert response.status_code == 200, url
        if response.context["cl"].result_count == 0:
            empty.add(meta.label)

    expected = set(ADMIN_EMPTY) | (
        set() if demo.after_sales_request else {"fulfillment.AfterSalesRequest"}
    )
    assert empty <= expected
    assert "orders.Order" not in empty
