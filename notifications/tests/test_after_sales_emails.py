"""No e-mail says "request #" without a number: one e-mail per request, from every face."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.tests.conftest import storefront_client
from fulfillment.models import AfterSalesRequest
from fulfillment.services.after_sales import after_sales_request_open
from notifications.emails import notification_message_build
from notifications.models import Notification, NotificationKind
from orders.links import tracking_token_make
from orders.models import Order, OrderStatus
from orders.roles import CUSTOMER_CARE
from orders.tests.factories import order_in_state, user_with_role

pytestmark = pytest.mark.django_db

_LINES = [{"sku": "MUG-1", "quantity": 1}]


@pytest.fixture(autouse=True)
def _private(private_cache, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def by_service(order: Order) -> None:
    after_sales_request_open(
        order=order, kind="return", reason="Cracked", lines=_LINES, source="storefront"
    )


def by_storefront_api(order: Order) -> None:
    storefront, client = storefront_client("Mail Shop")
    Order.objects.filter(pk=order.pk).update(storefront=storefront)
    body = {"kind": "return", "reason": "Cracked", "lines": _LINES}
    response = client.post(f"/api/v1/orders/{order.number}/after-sales/", body, format="json")
    assert response.status_code == 201


def by_staff_api(order: Order) -> None:
    client = APIClient()
    token = Token.objects.create(user=user_with_role(CUSTOMER_CARE))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {"kind": "warranty", "reason": "Stopped working", "lines": _LINES}
    response = client.post(f"/api/v1/orders/{order.number}/after-sales/", body, format="json")
    assert response.status_code == 201


def by_tracking_page(order: Order, client) -> None:
    response = client.post(
        f"/track/{tracking_token_make(order)}/after-sales/",
        {
            "kind": "return",
            "reason": "Cracked",
            "submission_key": "t" * 32,
            f"line_{order.lines.get(sku='MUG-1').pk}": 1,
        },
    )
    assert response.status_code == 302


def by_dashboard(order: Order, client) -> None:
    client.force_login(user_with_role(CUSTOMER_CARE))
    response = client.post(
        f"/dashboard/orders/{order.number}/after-sales/new/",
        {
            "kind": "exchange",
            "reason": "Wrong colour",
            "submission_key": "d" * 32,
            f"line_{order.lines.get(sku='MUG-1').pk}": 1,
        },
    )
    assert response.status_code == 302


FACES = {
    "service": lambda order, client: by_service(order),
    "storefront-api": lambda order, client: by_storefront_api(order),
    "staff-api": lambda order, client: by_staff_api(order),
    "tracking-page": by_tracking_page,
    "dashboard": by_dashboard,
}


def opened_emails(order: Order) -> list:
    notifications = Notification.objects.filter(
        order=order, kind=NotificationKind.AFTER_SALES_OPENED
    ).order_by("id")
    return [(n, notification_message_build(n)) for n in notifications]


@pytest.mark.parametrize("first", ["delivered", "post_delivery"])
@pytest.mark.parametrize("face", list(FACES))
def test_each_face_sends_one_opened_email_naming_the_request(client, face, first):
    order = order_in_state(OrderStatus.DELIVERED)
    if first == "post_delivery":  # a further request on an order already in post-delivery
        by_service(order)
    Notification.objects.filter(order=order).delete()  # the e-mails of getting here

    FACES[face](order, client)

    newest = AfterSalesRequest.objects.filter(order=order).latest("id")
    ((notification, message),) = opened_emails(order)
    assert notification.context["request"] == newest.pk
    html = message.alternatives[0][0]
    for text in (message.body, html):
        assert f"request #{newest.pk} about order {order.number}" in text
        # Every "request #" carries this request's number; none is left without one.
        assert re.findall(r"(?i)request #(\d*)", text) == [str(newest.pk)]
    assert "#" not in message.subject or f"#{newest.pk}" in message.subject
    # The status change to post_delivery no longer sends a second, numberless e-mail.
    assert Notification.objects.filter(order=order).count() == 1


def test_an_email_without_a_number_does_not_say_request_hash():
    order = order_in_state(OrderStatus.DELIVERED)
    # An e-mail row from before this release, written by the status change without a number.
    notification = Notification.objects.create(
        order=order, customer=order.customer, kind=NotificationKind.AFTER_SALES_OPENED, context={}
    )

    message = notification_message_build(notification)

    for text in (message.body, message.alternatives[0][0]):
        assert "request #" not in text
        assert f"We have received your request about order {order.number}" in text
