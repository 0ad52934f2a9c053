"""Admin pages of after-sales and supplier requests: buttons that call the services."""

import re

import pytest
from django.urls import reverse

from fulfillment.models import AfterSalesRequest, Supplier, SupplierRequest
from fulfillment.services.after_sales import after_sales_request_open
from fulfillment.services.suppliers import supplier_request_create
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE, FINANCE, WAREHOUSE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("admin_open_to_every_role")]


def buttons(page) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', page.content.decode())


@pytest.fixture(autouse=True)
def celery_in_process(tasks_in_process):
    """Every test here runs its tasks in process."""


def a_return() -> AfterSalesRequest:
    order = order_in_state(OrderStatus.DELIVERED)
    return after_sales_request_open(
        order=order,
        kind="return",
        reason="Cracked",
        lines=[{"sku": "MUG-1", "quantity": 1}],
        source="staff",
    )


def test_customer_care_walks_a_return_to_a_credit_with_the_buttons(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    change = reverse("admin:fulfillment_aftersalesrequest_change", args=[request.pk])
    act = reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk])

    assert buttons(client.get(change)) == ["approve", "reject"]
    client.post(act, {"action": "approve", "note": "Photo shows the crack"})
    assert buttons(client.get(change)) == ["receive_item"]
    client.post(act, {"action": "receive_item", "note": ""})
    response = client.post(
        act, {"action": "resolve", "resolution": "credit", "amount": "120000"}, follow=True
    )

    stored = AfterSalesRequest.objects.get(pk=request.pk)
    assert (stored.status, stored.resolution, str(stored.credit_amount)) == (
        "resolved",
        "credit",
        "120000.00",
    )
    assert [str(m) for m in response.context["messages"]][-1] == "Resolve: done."
    order = Order.objects.get(pk=request.order_id)
    order_page = reverse("admin:orders_order_change", args=[order.pk])
    assert 'data-transition="complete"' in client.get(order_page).content.decode()


def test_a_refused_step_is_a_message_and_changes_nothing(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    request = a_return()
    act = reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk])

    response = client.post(act, {"action": "receive_item", "note": ""}, follow=True)

    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith("Cannot")
    assert AfterSalesRequest.objects.get(pk=request.pk).status == "open"


def test_without_the_permission_there_are_no_buttons_and_posting_is_403(client):
    client.force_login(user_with_role(FINANCE))
    request = a_return()

    page = client.get(reverse("admin:fulfillment_aftersalesrequest_change", args=[request.pk]))
    response = client.post(
        reverse("admin:fulfillment_aftersalesrequest_act", args=[request.pk]),
        {"action": "approve", "note": ""},
    )

    assert page.status_code in (200, 403)
    assert buttons(page) == []
    assert response.status_code == 403
    assert AfterSalesRequest.objects.get(pk=request.pk).status == "open"


def test_the_warehouse_receives_supplier_goods_and_the_order_moves_on(
    client, django_capture_on_commit_callbacks
):
    client.force_login(user_with_role(WAREHOUSE))
    supplier = Supplier.objects.create(name="Gốm Bát Tràng", email="sales@battrang.example")
    order = order_in_state(OrderStatus.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=[{"sku": "MUG-1", "quantity": 2}],
            delivery="warehouse",
            actor=None,
        )
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ON_HOLD
    change = reverse("admin:fulfillment_supplierrequest_change", args=[request.pk])

    assert buttons(client.get(change)) == ["confirm", "ship", "receive", "fail"]
    client.post(
        reverse("admin:fulfillment_supplierrequest_act", args=[request.pk]), {"action": "receive"}
    )

    assert SupplierRequest.objects.get(pk=request.pk).status == "received"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PROCESSING
