"""After-sales and supplier requests on the staff dashboard: the admin panels' work, elsewhere.

Each action is compared with the same action through the admin panel (the
rows it writes), and every refusal is checked to have written nothing.
"""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.models import AfterSalesRequest, InventoryItem, Supplier, SupplierRequest
from fulfillment.services.after_sales import after_sales_request_advance, after_sales_request_open
from fulfillment.services.suppliers import supplier_request_advance, supplier_request_create
from orders.models import Order, OrderEvent, OrderStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.services import order_team_reassign
from orders.tests.factories import StorefrontFactory, order_in_state, user_with_role

from .conftest import png, team_create

pytestmark = pytest.mark.django_db

ACTION = re.compile(r'data-action="([a-z_]+)"')


@pytest.fixture(autouse=True)
def celery_in_process(tasks_in_process):
    """Requests to suppliers send their e-mail in process."""


def buttons(response) -> list[str]:
    return ACTION.findall(response.content.decode())


def a_return(*, kind: str = "return", photos=(), **order_fields) -> AfterSalesRequest:
    order = order_in_state(OrderStatus.DELIVERED, **order_fields)
    return after_sales_request_open(
        order=order,
        kind=kind,
        reason="Cracked handle",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="staff",
        photos=photos,
    )


def a_supplier_request() -> SupplierRequest:
    supplier = Supplier.objects.get_or_create(
        name="Gốm Bát Tràng", defaults={"email": "sales@battrang.example"}
    )[0]
    return supplier_request_create(
        order=order_in_state(OrderStatus.PROCESSING),
        supplier=supplier,
        lines=[{"sku": "MUG-1", "quantity": 2}],
        delivery="warehouse",
        actor=None,
    )


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def after_sales_act(client, obj, action: str, **fields):
    """Post `action` from the request's dashboard page as it is now."""
    data = {"action": action, "updated_at": fresh(obj).updated_at.isoformat(), **fields}
    return client.post(reverse("dashboard:after-sales-act", args=[obj.pk]), data)


def supplier_act(client, obj, action: str, **fields):
    data = {"action": action, "updated_at": fresh(obj).updated_at.isoformat(), **fields}
    return client.post(reverse("dashboard:supplier-request-act", args=[obj.pk]), data)


def admin_act(client, obj, action: str, **fields):
    opts = type(obj)._meta
    return client.post(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_act", args=[obj.pk]),
        {"action": action, **fields},
    )


def history(obj) -> list[tuple]:
    """What the order's history says about `obj`, with the request's own ids taken out."""
    key = "after_sales_request" if isinstance(obj, AfterSalesRequest) else "supplier_request"
    rows = []
    for event in OrderEvent.objects.filter(order_id=obj.order_id).order_by("created_at", "id"):
        if event.data.get(key) != obj.pk:
            continue
        data = {k: v for k, v in event.data.items() if k not in (key, "supplier")}
        rows.append(
            (
                event.note.replace(f"#{obj.pk}", "#N"),
                event.actor_id,
                event.customer_visible,
                event.event_type,
                data,
            )
        )
    return rows


def request_row(obj: AfterSalesRequest) -> tuple:
    obj = fresh(obj)
    return (obj.status, obj.resolution, obj.credit_amount, obj.refund_amount)


def order_row(obj) -> tuple:
    order = Order.objects.get(pk=obj.order_id)
    return (order.status, order.hold_reason, order.payment_status, order.version)


# -- the same work as the admin panel -----------------------------------------------


@pytest.mark.parametrize(
    "steps",
    [
        [("approve", {"note": "Photo shows the crack"}), ("receive_item", {"note": ""})],
        [("reject", {"note": "Outside the warranty"})],
        [
            ("approve", {"note": ""}),
            ("receive_item", {"note": "Back on the shelf"}),
            ("resolve", {"resolution": "credit", "amount": "120000"}),
        ],
    ],
    ids=["approve-receive", "reject", "to-store-credit"],
)
@pytest.mark.usefixtures("admin_open_to_every_role")
def test_each_after_sales_action_writes_what_the_admin_panel_writes(client, steps):
    care = user_with_role(CUSTOMER_CARE)
    client.force_login(care)
    through_admin, through_dashboard = a_return(), a_return()

    for action, fields in steps:
        admin_act(client, through_admin, action, **fields)
        response = after_sales_act(client, through_dashboard, action, **fields)
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == reverse(
            "dashboard:after-sales-detail", args=[through_dashboard.pk]
        )

    assert request_row(through_dashboard) == request_row(through_admin)
    assert history(through_dashboard) == history(through_admin)
    assert order_row(through_dashboard) == order_row(through_admin)
    assert history(through_dashboard)[-1][1] == care.pk


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_the_dashboard_shows_the_buttons_the_admin_panel_shows(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    detail = reverse("dashboard:after-sales-detail", args=[request.pk])
    change = reverse("admin:fulfillment_aftersalesrequest_change", args=[request.pk])

    seen = []
    for action in ["approve", "receive_item"]:
        seen.append((buttons(client.get(detail)), buttons(client.get(change))))
        after_sales_act(client, request, action, note="")
    seen.append((buttons(client.get(detail)), buttons(client.get(change))))

    assert seen == [
        (["approve", "reject"], ["approve", "reject"]),
        (["receive_item"], ["receive_item"]),
        (["propose_refund", "resolve"], ["propose_refund", "resolve"]),
    ]


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_receiving_supplier_goods_writes_what_the_admin_panel_writes(
    client, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(WAREHOUSE))
    with django_capture_on_commit_callbacks(execute=True):
        through_admin, through_dashboard = a_supplier_request(), a_supplier_request()

    admin_act(client, through_admin, "receive")
    response = supplier_act(client, through_dashboard, "receive")

    assert response.status_code == 302
    assert fresh(through_dashboard).status == fresh(through_admin).status == "received"
    assert history(through_dashboard) == history(through_admin)
    assert order_row(through_dashboard) == order_row(through_admin)
    assert order_row(through_dashboard)[0] == OrderStatus.PROCESSING
    assert InventoryItem.objects.get(sku="MUG-1").quantity_on_hand == 4


@pytest.mark.usefixtures("admin_open_to_every_role")
def test_a_failed_supplier_request_keeps_its_reason_like_the_admin_panel(client):
    client.force_login(user_with_role(WAREHOUSE))
    through_admin, through_dashboard = a_supplier_request(), a_supplier_request()
    detail = reverse("dashboard:supplier-request-detail", args=[through_dashboard.pk])
    assert buttons(client.get(detail)) == ["confirm", "ship", "receive", "fail"]

    admin_act(client, through_admin, "fail", reason="Kiln broke")
    supplier_act(client, through_dashboard, "fail", reason="Kiln broke")

    assert (fresh(through_dashboard).status, fresh(through_dashboard).failure_reason) == (
        "failed",
        "Kiln broke",
    )
    assert history(through_dashboard) == history(through_admin)
    assert order_row(through_dashboard) == order_row(through_admin)


# -- who may do what ------------------------------------------------------------------

# role: (after-sales pages, after-sales approve, supplier pages, supplier receive)
MATRIX = {
    CUSTOMER_CARE: (200, 302, 200, 302),
    WAREHOUSE: (403, 403, 200, 302),
    FINANCE: (403, 403, 403, 403),
    MANAGER: (200, 302, 200, 302),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_permission_matrix(client, role):
    client.force_login(user_with_role(role))
    request, supplier_request = a_return(), a_supplier_request()
    before = (OrderEvent.objects.count(), order_row(request), order_row(supplier_request))
    pages, approve, supplier_pages, receive = MATRIX[role]

    statuses = (
        client.get(reverse("dashboard:after-sales-list")).status_code,
        client.get(reverse("dashboard:after-sales-detail", args=[request.pk])).status_code,
        after_sales_act(client, request, "approve", note="").status_code,
        client.get(reverse("dashboard:supplier-request-list")).status_code,
        client.get(
            reverse("dashboard:supplier-request-detail", args=[supplier_request.pk])
        ).status_code,
        supplier_act(client, supplier_request, "receive").status_code,
    )

    assert statuses == (pages, pages, approve, supplier_pages, supplier_pages, receive)
    if approve == 403:
        assert fresh(request).status == "open"
    if receive == 403:
        assert fresh(supplier_request).status == "requested"
    if approve == 403 and receive == 403:
        assert (OrderEvent.objects.count(), order_row(request), order_row(supplier_request)) == (
            before
        )


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (
            CUSTOMER_CARE,
            [
                "take-order",
                "imports",
                "after-sales",
                "change-requests",
                "platform-deliveries",
                "tracking-updates",
                "supplier-requests",
            ],
        ),
        (WAREHOUSE, ["supplier-requests"]),
        (FINANCE, ["refunds"]),
        (
            MANAGER,
            [
                "take-order",
                "imports",
                "after-sales",
                "change-requests",
                "platform-deliveries",
                "tracking-updates",
                "refunds",
                "supplier-requests",
            ],
        ),
    ],
)
def test_the_navigation_links_follow_the_view_permissions(client, role, links):
    client.force_login(user_with_role(role))

    page = client.get(reverse("dashboard:board")).content.decode()

    assert re.findall(r'data-nav="([a-z-]+)"', page) == links


def test_anonymous_users_are_sent_to_log_in_and_nothing_changes(client):
    request = a_return()

    response = client.post(
        reverse("dashboard:after-sales-act", args=[request.pk]), {"action": "approve"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))
    assert fresh(request).status == "open"


def test_a_refund_needs_the_refund_permission_as_in_the_admin(client):
    """Customer care may resolve, but a refund goes through the payment transition."""
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return(payment_method="card", payment_status="paid")
    after_sales_request_advance(request=request, transition="approve", actor=None)
    after_sales_request_advance(request=request, transition="receive_item", actor=None)
    before = (OrderEvent.objects.count(), order_row(request))

    response = after_sales_act(client, request, "resolve", resolution="refund", amount="")

    assert response.status_code == 403
    assert fresh(request).status == "item_received"
    assert (OrderEvent.objects.count(), order_row(request)) == before


def test_a_manager_refunds_like_the_admin_panel(client):
    client.force_login(user_with_role(MANAGER))
    paid = {"payment_method": "card", "payment_status": "paid"}
    through_admin, through_dashboard = a_return(**paid), a_return(**paid)
    for request in (through_admin, through_dashboard):
        after_sales_request_advance(request=request, transition="approve", actor=None)
        after_sales_request_advance(request=request, transition="receive_item", actor=None)

    admin_step = admin_act(client, through_admin, "resolve", resolution="refund", amount="")
    fields = re.findall(
        r'type="hidden" name="([a-z_]+)" value="([^"]*)"', admin_step.content.decode()
    )
    admin_act(client, through_admin, **dict(fields))
    before = order_row(through_dashboard)
    step = after_sales_act(client, through_dashboard, "resolve", resolution="refund", amount="")
    assert step.status_code == 200 and order_row(through_dashboard) == before
    stated = re.search(r'name="amount" value="([^"]*)"', step.content.decode()).group(1)
    response = after_sales_act(
        client, through_dashboard, "resolve", resolution="refund", amount=stated, confirmed="1"
    )

    assert response.status_code == 302
    assert request_row(through_dashboard) == request_row(through_admin)
    assert request_row(through_dashboard)[:2] == ("resolved", "refund")
    assert order_row(through_dashboard) == order_row(through_admin)
    assert history(through_dashboard) == history(through_admin)


@pytest.mark.parametrize("htmx", [False, True])
def test_resolving_with_a_refund_first_states_it_and_moves_nothing_until_confirmed(client, htmx):
    client.force_login(user_with_role(MANAGER))
    request = a_return(payment_method="card", payment_status="paid")
    after_sales_request_advance(request=request, transition="approve", actor=None)
    after_sales_request_advance(request=request, transition="receive_item", actor=None)
    number = request.order.number
    headers = {"HX-Request": "true"} if htmx else {}
    before = (OrderEvent.objects.count(), order_row(request))

    step = client.post(
        reverse("dashboard:after-sales-act", args=[request.pk]),
        {
            "action": "resolve",
            "updated_at": fresh(request).updated_at.isoformat(),
            "resolution": "refund",
            "amount": "60",
            "note": "Cracked",
        },
        headers=headers,
    )

    html = step.content.decode()
    assert step.status_code == 200
    assert ("<html" in html) is not htmx  # a page without JavaScript, the panel with htmx
    assert f"Refund ₫60 to the card of order {number}. Of the " in html
    assert f"Return request #{request.pk} is then resolved." in html
    assert "data-confirm-button>Yes, refund ₫60</button>" in html
    for field in ('name="confirmed" value="1"', 'name="amount" value="60.00"'):
        assert field in html
    assert fresh(request).status == "item_received"
    assert (OrderEvent.objects.count(), order_row(request)) == before

    bad = after_sales_act(client, request, "resolve", resolution="refund", amount="1.5")
    assert bad.status_code == 400 and "VND amounts have no decimals." in bad.content.decode()
    done = after_sales_act(
        client, request, "resolve", resolution="refund", amount="60.00", confirmed="1"
    )

    assert done.status_code == 302
    assert request_row(request) == ("resolved", "refund", None, Decimal("60.00"))


# -- the team rule ----------------------------------------------------------------------


def test_staff_of_another_team_see_no_buttons_and_are_refused_as_in_the_admin(client):
    care = user_with_role(CUSTOMER_CARE)
    ours, theirs = team_create("care-north"), team_create("care-south")
    care.teams.add(ours)
    client.force_login(care)
    request = a_return()
    order_team_reassign(order=request.order, team=theirs, actor=None)
    before = (OrderEvent.objects.count(), order_row(request))

    page = client.get(reverse("dashboard:after-sales-detail", args=[request.pk]))
    admin_page = client.get(
        reverse("admin:fulfillment_aftersalesrequest_change", args=[request.pk])
    )
    refused = after_sales_act(client, request, "approve", note="")
    admin_act(client, request, "approve", note="")

    assert (buttons(page), buttons(admin_page)) == ([], [])
    assert "Order of team Care-South" in page.content.decode()
    assert refused.status_code == 403
    assert fresh(request).status == "open"
    assert (OrderEvent.objects.count(), order_row(request)) == before

    order_team_reassign(order=request.order, team=ours, actor=None)
    assert after_sales_act(client, request, "approve", note="").status_code == 302
    assert fresh(request).status == "approved"


# -- bad input, refusals and stale pages ----------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "resolve", "resolution": "", "amount": "10"},
        {"action": "resolve", "resolution": "credit", "amount": "lots"},
        {"action": "resolve", "resolution": "gift", "amount": "10"},
        {"action": "resolve", "resolution": "credit", "amount": "1" * 40},
        {"action": "resolve", "resolution": "credit", "amount": "0"},
        {"action": "resolve", "resolution": "credit", "updated_at": ""},
        {"action": "resolve", "resolution": "credit", "updated_at": "yesterday"},
        {"action": "resolve", "resolution": "credit", "updated_at": "2026-01-01T10:00:00"},
        {"action": "dance"},
    ],
    ids=[
        "no-resolution",
        "amount-not-a-number",
        "unknown-resolution",
        "amount-too-long",
        "credit-of-zero",
        "no-version",
        "version-not-a-date",
        "version-without-zone",
        "unknown-action",
    ],
)
def test_bad_input_is_a_400_form_error_and_writes_nothing(client, fields):
    client.force_login(user_with_role(MANAGER))
    request = a_return()
    after_sales_request_advance(request=request, transition="approve", actor=None)
    after_sales_request_advance(request=request, transition="receive_item", actor=None)
    before = (OrderEvent.objects.count(), order_row(request), request_row(request))
    data = {"updated_at": fresh(request).updated_at.isoformat(), **fields}

    response = client.post(reverse("dashboard:after-sales-act", args=[request.pk]), data)

    assert response.status_code == 400
    assert 'id="request-panel"' in response.content.decode()
    assert (OrderEvent.objects.count(), order_row(request), request_row(request)) == before


def test_a_supplier_failure_without_a_reason_is_a_400(client):
    client.force_login(user_with_role(WAREHOUSE))
    request = a_supplier_request()
    before = (OrderEvent.objects.count(), order_row(request))

    response = supplier_act(client, request, "fail", reason="  ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert fresh(request).status == "requested"
    assert (OrderEvent.objects.count(), order_row(request)) == before


def test_an_action_the_status_does_not_allow_is_a_409(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    before = (OrderEvent.objects.count(), order_row(request))

    response = after_sales_act(client, request, "receive_item", note="")

    assert response.status_code == 409
    assert "Cannot receive item" in response.content.decode()
    assert fresh(request).status == "open"
    assert (OrderEvent.objects.count(), order_row(request)) == before


def test_a_form_from_a_page_older_than_the_request_is_refused(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    seen = fresh(request).updated_at.isoformat()
    # Someone else approves it meanwhile; our page still offers "reject".
    after_sales_request_advance(request=request, transition="approve", actor=None)
    before = (OrderEvent.objects.count(), order_row(request))

    response = client.post(
        reverse("dashboard:after-sales-act", args=[request.pk]),
        {"action": "reject", "note": "", "updated_at": seen},
    )

    assert response.status_code == 412
    assert "has changed since you loaded it" in response.content.decode()
    assert fresh(request).status == "approved"
    assert (OrderEvent.objects.count(), order_row(request)) == before


def test_a_stale_supplier_form_is_refused(client):
    client.force_login(user_with_role(WAREHOUSE))
    request = a_supplier_request()
    seen = fresh(request).updated_at.isoformat()
    supplier_request_advance(request=request, transition="ship", actor=None)

    response = client.post(
        reverse("dashboard:supplier-request-act", args=[request.pk]),
        {"action": "receive", "updated_at": seen},
    )

    assert response.status_code == 412
    assert fresh(request).status == "shipped"
    assert InventoryItem.objects.filter(sku="MUG-1").count() == 0


# -- htmx -----------------------------------------------------------------------------


def test_htmx_gets_the_request_panel_back_with_the_refusal_status(client, htmx):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    url = reverse("dashboard:after-sales-act", args=[request.pk])

    done = client.post(
        url,
        {"action": "approve", "note": "", "updated_at": fresh(request).updated_at.isoformat()},
        **htmx,
    )
    refused = client.post(
        url,
        {"action": "approve", "note": "", "updated_at": fresh(request).updated_at.isoformat()},
        **htmx,
    )

    assert done.status_code == 200
    assert done.content.decode().lstrip().startswith('<div id="request-panel"')
    assert 'data-status="approved"' in done.content.decode()
    assert "Approve: done." in done.content.decode()
    assert refused.status_code == 409
    assert 'id="request-panel"' in refused.content.decode()


# -- the pages ----------------------------------------------------------------------


def test_the_request_page_shows_order_lines_reason_photos_and_history(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return(photos=[png()])
    after_sales_request_advance(request=request, transition="approve", actor=None, note="OK")
    photo = request.photos.get()

    page = client.get(reverse("dashboard:after-sales-detail", args=[request.pk]))
    html = page.content.decode()

    assert page.status_code == 200
    assert request.order.number in html
    assert "Cracked handle" in html
    assert 'data-request-line="MUG-1"' in html
    photo_url = reverse("fulfillment:after-sales-photo", args=[photo.pk])
    assert f'src="{photo_url}"' in html
    assert client.get(photo_url).status_code == 200
    assert f"Return request #{request.pk} approved. OK" in html
    assert html.count("data-history-event") == 1


def test_the_list_filters_and_shows_the_oldest_first(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    shop = StorefrontFactory(code="other-shop", name="Other shop")
    first, second = a_return(), a_return(kind="complaint")
    elsewhere = a_return(storefront=shop)
    rejected = a_return()
    after_sales_request_advance(request=rejected, transition="reject", actor=None)
    url = reverse("dashboard:after-sales-list")

    def listed(**query) -> list[int]:
        html = client.get(url, query).content.decode()
        return [int(pk) for pk in re.findall(r'data-request="(\d+)"', html)]

    assert listed() == [first.pk, second.pk, elsewhere.pk]
    assert listed(status="all") == [first.pk, second.pk, elsewhere.pk, rejected.pk]
    assert listed(status="rejected") == [rejected.pk]
    assert listed(kind="complaint") == [second.pk]
    assert listed(storefront=shop.pk) == [elsewhere.pk]
    assert listed(storefront="nonsense") == [first.pk, second.pk, elsewhere.pk]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_after_sales_list_costs_the_same_queries_for_3_and_30_requests(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(user_with_role(CUSTOMER_CARE))
    url = reverse("dashboard:after-sales-list")
    for _ in range(3):
        a_return(photos=[png()])
    few = queries_for(client, url)
    for _ in range(27):
        a_return(photos=[png()])

    assert queries_for(client, url) == few
    assert queries_for(client, url + "?page=2") == few


def test_the_supplier_request_list_costs_the_same_queries_for_3_and_30_requests(client):
    client.force_login(user_with_role(WAREHOUSE))
    url = reverse("dashboard:supplier-request-list")
    for _ in range(3):
        a_supplier_request()
    few = queries_for(client, url)
    for _ in range(27):
        a_supplier_request()

    assert queries_for(client, url) == few
    html = client.get(url).content.decode()
    assert len(re.findall(r'data-request="\d+"', html)) == 25
