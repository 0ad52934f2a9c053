"""Staff open after-sales requests from the order page; finance decides proposed refunds."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import (
    AfterSalesRequest,
    AfterSalesStatus,
    RefundProposal,
    RefundProposalStatus,
)
from fulfillment.services.after_sales import after_sales_request_advance
from fulfillment.services.refund_proposals import refund_proposal_create
from notifications.models import Notification, NotificationKind
from orders.models import BulkJob, Order, OrderEvent, OrderStatus, PaymentStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import order_in_state, user_with_role
from reports.ledger import ledger_balance
from reports.models import LedgerKind

from .conftest import png
from .test_requests import a_return, after_sales_act, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_url(order) -> str:
    return reverse("dashboard:order-after-sales-open", args=[order.number])


def open_form(order, **fields) -> dict:
    return {
        "kind": "return",
        "reason": "Handle cracked on arrival",
        "submission_key": "s" * 32,
        f"line_{order.lines.get(sku='MUG-1').pk}": 1,
        f"line_{order.lines.get(sku='TEA-7').pk}": 0,
        **fields,
    }


def paid_delivered_order() -> Order:
    return order_in_state(OrderStatus.DELIVERED, payment_method="card", payment_status="paid")


# -- opening a request from the order page ----------------------------------------------


def test_the_order_page_offers_the_request_form_not_the_bare_transition(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_in_state(OrderStatus.DELIVERED)

    html = client.get(reverse("dashboard:order-detail", args=[order.number])).content.decode()

    assert 'data-transition="open_after_sales"' not in html
    assert 'data-blocked-transition="open_after_sales"' not in html
    assert f'href="{open_url(order)}"' in html


def test_care_opens_a_return_through_the_service_and_the_order_moves(client):
    care = user_with_role(CUSTOMER_CARE)
    client.force_login(care)
    order = order_in_state(OrderStatus.DELIVERED)

    form_page = client.get(open_url(order))
    response = client.post(open_url(order), open_form(order, photo=png()))

    assert form_page.status_code == 200
    request = AfterSalesRequest.objects.get(order=order)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:after-sales-detail", args=[request.pk])
    assert (request.kind, request.source, request.opened_by) == ("return", "staff", care)
    assert [(line.order_line.sku, line.quantity) for line in request.lines.all()] == [("MUG-1", 1)]
    assert request.photos.count() == 1
    order = Order.objects.get(pk=order.pk)
    assert order.status == OrderStatus.POST_DELIVERY
    moved = order.events.get(transition="open_after_sales")
    assert (moved.actor, moved.note) == (care, f"Return request #{request.pk} opened (staff).")
    opened = Notification.objects.get(order=order, kind=NotificationKind.AFTER_SALES_OPENED)
    assert (opened.context["request"], opened.context["kind"]) == (request.pk, "return")


def test_the_same_form_sent_twice_opens_one_request(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_in_state(OrderStatus.DELIVERED)

    client.post(open_url(order), open_form(order))
    client.post(open_url(order), open_form(order))

    assert AfterSalesRequest.objects.filter(order=order).count() == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"reason": ""}, "This field is required."),
        ({"kind": "repair"}, "Select a valid choice."),
        ({"line_0": 0}, "Choose which items"),
        ({"photo": "not a file"}, "Send a photo"),
    ],
    ids=["no-reason", "unknown-kind", "no-items", "not-a-photo"],
)
def test_bad_input_is_a_form_error_and_writes_nothing(client, fields, error):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_in_state(OrderStatus.DELIVERED)
    data = open_form(order)
    if "line_0" in fields:
        data = {name: (0 if name.startswith("line_") else value) for name, value in data.items()}
    elif "photo" in fields:
        from django.core.files.uploadedfile import SimpleUploadedFile

        data["photo"] = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    else:
        data.update(fields)

    response = client.post(open_url(order), data)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not AfterSalesRequest.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


@pytest.mark.parametrize("role", [WAREHOUSE, FINANCE])
def test_roles_without_the_permission_get_403_and_nothing_changes(client, role):
    client.force_login(user_with_role(role))
    order = order_in_state(OrderStatus.DELIVERED)

    assert client.get(open_url(order)).status_code == 403
    assert client.post(open_url(order), open_form(order)).status_code == 403
    assert not AfterSalesRequest.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


def test_a_manager_may_open_one(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.DELIVERED)

    assert client.post(open_url(order), open_form(order, kind="warranty")).status_code == 302
    assert AfterSalesRequest.objects.get(order=order).kind == "warranty"


def test_before_delivery_the_form_is_refused_with_409(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    order = order_in_state(OrderStatus.SHIPPED)

    response = client.post(open_url(order), open_form(order))

    assert response.status_code == 409
    assert not AfterSalesRequest.objects.exists()


def test_the_form_needs_its_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(CUSTOMER_CARE))
    order = order_in_state(OrderStatus.DELIVERED)

    assert strict.post(open_url(order), open_form(order)).status_code == 403
    assert not AfterSalesRequest.objects.exists()


def test_the_bare_transition_posted_to_the_order_page_is_refused(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.DELIVERED)

    response = client.post(
        reverse("dashboard:order-transition", args=[order.number]),
        {"transition": "open_after_sales", "version": order.version},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    after = Order.objects.get(pk=order.pk)
    assert (after.status, after.version) == (OrderStatus.DELIVERED, order.version)


def test_bulk_does_not_offer_or_run_the_bare_transition(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.DELIVERED)

    queue = client.get(reverse("dashboard:queue", args=["delivered"])).content.decode()
    preview = client.post(
        reverse("dashboard:bulk-preview"),
        {"transition": "open_after_sales", "orders": [order.number]},
        follow=True,
    )
    run = client.post(
        reverse("dashboard:bulk-run"),
        {"transition": "open_after_sales", "orders": [order.number]},
        follow=True,
    )

    assert 'value="open_after_sales"' not in queue
    for response in (preview, run):
        assert "is not run on its own" in response.content.decode()
    assert not BulkJob.objects.exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED


# -- refunds: proposed by care, decided by finance or a manager ---------------------------


def goods_back(**order_fields) -> AfterSalesRequest:
    request = a_return(payment_method="card", payment_status="paid", **order_fields)
    after_sales_request_advance(request=request, transition="approve", actor=None)
    return after_sales_request_advance(request=request, transition="receive_item", actor=None)


def proposed(amount: str = "100.00") -> RefundProposal:
    return refund_proposal_create(
        request=goods_back(), amount=Decimal(amount), actor=user_with_role(CUSTOMER_CARE)
    )


def test_care_proposes_a_refund_from_the_request_page_and_cannot_issue_it(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = goods_back()

    resolved_by_care = after_sales_act(client, request, "resolve", resolution="refund")
    response = after_sales_act(client, request, "propose_refund", amount="100", note="Cracked")

    assert resolved_by_care.status_code == 403  # care never had the refund permission
    assert response.status_code == 302
    proposal = RefundProposal.objects.get(request=request)
    assert (proposal.amount, proposal.currency, proposal.status) == (
        Decimal("100.00"),
        "VND",
        RefundProposalStatus.PENDING,
    )
    order = Order.objects.get(pk=request.order_id)
    assert (order.payment_status, order.amount_refunded) == (PaymentStatus.PAID, Decimal("0"))
    assert fresh(request).status == AfterSalesStatus.ITEM_RECEIVED
    # While it waits, nobody resolves the request another way.
    page = client.get(reverse("dashboard:after-sales-detail", args=[request.pk]))
    assert 'data-action="resolve"' not in page.content.decode()
    assert 'data-action="propose_refund"' not in page.content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.5", "VND amounts have no decimals."),
        ("0", "A refund must be more than 0"),
        ("999999999", "at most"),
    ],
)
def test_a_proposal_amount_is_checked_against_the_currency_and_what_is_refundable(
    client, amount, message
):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = goods_back()

    response = after_sales_act(client, request, "propose_refund", amount=amount)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RefundProposal.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [(CUSTOMER_CARE, 403), (WAREHOUSE, 403), (FINANCE, 200), (MANAGER, 200)]
)
def test_the_refund_queue_is_for_finance_and_managers(client, role, status):
    proposal = proposed()
    client.force_login(user_with_role(role))

    queue = client.get(reverse("dashboard:refund-queue"))
    confirm = client.get(reverse("dashboard:refund-approve", args=[proposal.pk]))

    assert (queue.status_code, confirm.status_code) == (status, status)
    if status == 200:
        assert f'data-refund-proposal="{proposal.pk}"' in queue.content.decode()
        number = proposal.request.order.number
        assert f"Refund ₫100 to the card of order {number}" in confirm.content.decode()


@pytest.mark.parametrize("role", [CUSTOMER_CARE, WAREHOUSE])
def test_only_finance_or_a_manager_may_approve_and_nothing_moves_otherwise(client, role):
    proposal = proposed()
    client.force_login(user_with_role(role))

    response = client.post(
        reverse("dashboard:refund-approve", args=[proposal.pk]),
        {"updated_at": proposal.updated_at.isoformat(), "confirmed": "1"},
    )

    assert response.status_code == 403
    assert fresh(proposal).status == RefundProposalStatus.PENDING
    order = Order.objects.get(pk=proposal.request.order_id)
    assert order.amount_refunded == Decimal("0")
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("0")


@pytest.mark.parametrize("role", [FINANCE, MANAGER])
def test_approval_issues_the_refund_and_the_ledger_agrees_to_the_unit(client, role):
    proposal = proposed("100")  # VND: no minor units
    approver = user_with_role(role)
    client.force_login(approver)

    response = client.post(
        reverse("dashboard:refund-approve", args=[proposal.pk]),
        {"updated_at": proposal.updated_at.isoformat(), "confirmed": "1"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:refund-queue")
    proposal = fresh(proposal)
    assert (proposal.status, proposal.decided_by) == (RefundProposalStatus.APPROVED, approver)
    request = fresh(proposal.request)
    assert (request.status, request.resolution, request.refund_amount) == (
        AfterSalesStatus.RESOLVED,
        "refund",
        Decimal("100.00"),
    )
    order = Order.objects.get(pk=request.order_id)
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.amount_refunded == Decimal("100.00")
    assert ledger_balance(order, LedgerKind.REFUND) == order.amount_refunded
    refund = OrderEvent.objects.get(order=order, transition="refund_payment")
    assert (refund.actor, Decimal(refund.data["amount"])) == (approver, Decimal("100"))
    told = [
        (notification.kind, Decimal(notification.context.get("amount") or "NaN"))
        for notification in Notification.objects.filter(order=order).order_by("id")
    ]
    assert told[-2:] == [
        (NotificationKind.REFUND_ISSUED, Decimal("100")),
        (NotificationKind.AFTER_SALES_RESOLVED, Decimal("100")),
    ]
    # Approving again is refused: it is decided.
    again = client.post(reverse("dashboard:refund-approve", args=[proposal.pk]), {"confirmed": "1"})
    assert again.status_code == 409
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("100.00")


def test_approving_first_states_the_refund_and_moves_nothing_until_confirmed(client):
    proposal = proposed("100")
    client.force_login(user_with_role(FINANCE))
    url = reverse("dashboard:refund-approve", args=[proposal.pk])
    number = proposal.request.order.number

    plain = client.post(url, {"updated_at": proposal.updated_at.isoformat()})
    inline = client.post(
        url, {"updated_at": proposal.updated_at.isoformat()}, headers={"HX-Request": "true"}
    )

    for response in (plain, inline):
        html = response.content.decode()
        assert response.status_code == 200
        assert f"Refund ₫100 to the card of order {number}. Of the " in html
        assert f"Return request #{proposal.request.pk} is then resolved." in html
        assert 'name="confirmed" value="1"' in html
        assert "data-confirm-button>Yes, refund ₫100</button>" in html
    assert "<html" in plain.content.decode()  # a real page without JavaScript
    assert inline.content.decode().lstrip().startswith('<div id="refund-decision">')
    assert fresh(proposal).status == RefundProposalStatus.PENDING
    order = Order.objects.get(pk=proposal.request.order_id)
    assert order.amount_refunded == Decimal("0")
    assert ledger_balance(order, LedgerKind.REFUND) == Decimal("0")

    done = client.post(
        url,
        {"updated_at": proposal.updated_at.isoformat(), "confirmed": "1"},
        headers={"HX-Request": "true"},
    )

    assert done.status_code == 204
    assert done["HX-Redirect"] == reverse("dashboard:refund-queue")
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("100.00")


def test_a_stale_confirmation_page_is_refused(client):
    proposal = proposed()
    client.force_login(user_with_role(FINANCE))
    seen = proposal.updated_at.isoformat()
    RefundProposal.objects.filter(pk=proposal.pk).update(updated_at=timezone.now())

    response = client.post(
        reverse("dashboard:refund-approve", args=[proposal.pk]),
        {"updated_at": seen, "confirmed": "1"},
    )

    assert response.status_code == 412
    assert Order.objects.get(pk=proposal.request.order_id).amount_refunded == Decimal("0")


def test_a_refusal_during_an_inline_approval_is_shown_in_the_swapped_part(client):
    proposal = proposed()
    client.force_login(user_with_role(FINANCE))
    seen = proposal.updated_at.isoformat()
    RefundProposal.objects.filter(pk=proposal.pk).update(updated_at=timezone.now())

    response = client.post(
        reverse("dashboard:refund-approve", args=[proposal.pk]),
        {"updated_at": seen, "confirmed": "1"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 412
    assert html.lstrip().startswith('<div id="refund-decision">')
    assert 'id="refund-messages"' in html
    assert html.count('class="message message--error"') == 1
    assert Order.objects.get(pk=proposal.request.order_id).amount_refunded == Decimal("0")


def test_rejection_needs_a_reason_and_gives_the_request_back_to_care(client):
    proposal = proposed()
    finance = user_with_role(FINANCE)
    client.force_login(finance)
    url = reverse("dashboard:refund-reject", args=[proposal.pk])

    no_reason = client.post(url, {"updated_at": proposal.updated_at.isoformat(), "reason": " "})
    rejected = client.post(
        url, {"updated_at": proposal.updated_at.isoformat(), "reason": "Goods were used."}
    )

    assert no_reason.status_code == 400
    assert rejected.status_code == 302
    proposal = fresh(proposal)
    assert (proposal.status, proposal.rejection_reason, proposal.decided_by) == (
        RefundProposalStatus.REJECTED,
        "Goods were used.",
        finance,
    )
    assert fresh(proposal.request).status == AfterSalesStatus.ITEM_RECEIVED
    order = Order.objects.get(pk=proposal.request.order_id)
    assert (order.amount_refunded, order.payment_status) == (Decimal("0"), PaymentStatus.PAID)
    assert not Notification.objects.filter(
        order=order, kind=NotificationKind.REFUND_ISSUED
    ).exists()
    # Care may propose again, or resolve another way.
    client.force_login(user_with_role(CUSTOMER_CARE))
    page = client.get(reverse("dashboard:after-sales-detail", args=[proposal.request_id]))
    assert 'data-action="propose_refund"' in page.content.decode()
    assert "Goods were used." in page.content.decode()
