"""The managers' admin site: order list, read-only order page, transition buttons."""

import re

import pytest
from django.urls import NoReverseMatch, reverse

from fulfillment.models import InventoryItem
from fulfillment.services.after_sales import after_sales_request_advance
from orders.models import Order, OrderEventType, OrderStatus
from orders.roles import MANAGER, WAREHOUSE
from orders.services import order_transition
from orders.tests.factories import (
    CarrierFactory,
    StorefrontFactory,
    order_in_state,
    order_new,
    order_step,
    user_with_role,
)

# Only managers get into the admin; these tests check its per-permission rules.
pytestmark = pytest.mark.usefixtures("admin_open_to_every_role")


def buttons_on(page) -> list[str]:
    return re.findall(r'data-transition="([a-z_]+)"', page.content.decode())


def press(client, order: Order, transition: str, **fields) -> Order:
    order.refresh_from_db()
    response = client.post(
        reverse("admin:orders_order_transition", args=[order.pk]),
        {"transition": transition, "version": order.version, **fields},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:orders_order_change", args=[order.pk])
    return Order.objects.get(pk=order.pk)


@pytest.mark.django_db
def test_manager_moves_a_card_order_from_received_to_completed_with_the_buttons(client):
    manager = user_with_role(MANAGER)
    client.force_login(manager)
    order = order_new(payment_method="card")
    steps = [
        ("authorize_payment", "received", "authorized"),
        ("confirm", "processing", "authorized"),
        ("start_picking", "picking", "authorized"),
        ("start_packing", "packing", "authorized"),
        ("mark_ready_to_ship", "ready_to_ship", "authorized"),
        ("capture_payment", "ready_to_ship", "paid"),
        ("ship", "shipped", "paid"),
        ("deliver", "delivered", "paid"),
        # No bare "open after-sales" button: a request is opened on the dashboard.
        ("complete", "completed", "paid"),
    ]

    CarrierFactory()
    dashboard_link = f'href="{reverse("dashboard:order-detail", args=[order.number])}"'
    for transition, status, payment_status in steps:
        page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
        if transition == "start_packing":
            # Packing waits for the picks, recorded on the dashboard's per-line form.
            assert "Left to pick: 2 x MUG-1, 1 x TEA-7" in page.content.decode()
            assert transition not in buttons_on(page)
            for line in order.lines.all():
                InventoryItem.objects.create(sku=line.sku, location="A-01", quantity_on_hand=5)
            client.post(
                reverse("dashboard:order-pick", args=[order.number]),
                {f"picked-{line.pk}": line.quantity for line in order.lines.all()},
            )
            page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
        if transition == "mark_ready_to_ship":
            # The admin says what is left and sends the packer to the dashboard's forms.
            assert "Left to pack:" in page.content.decode()
            assert dashboard_link in page.content.decode()
            client.post(reverse("dashboard:order-pack", args=[order.number]), {"weight_grams": 900})
            page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
        if transition == "ship":
            assert "Packages without a shipment:" in page.content.decode()
            assert dashboard_link in page.content.decode()
            client.post(
                reverse("dashboard:order-book-shipment", args=[order.number]),
                {
                    "carrier": "ghn",
                    "tracking_number": "GHN123",
                    "packages": [order.packages.get().pk],
                },
            )
            page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
        assert transition in buttons_on(page)
        assert "open_after_sales" not in buttons_on(page)
        order = press(client, order, transition)
        assert (order.status, order.payment_status) == (status, payment_status)

    assert order.packages.get().weight_grams == 900
    assert order.shipments.get().tracking_number == "GHN123"

    changes = order.events.filter(
        event_type__in=[OrderEventType.STATUS_CHANGED, OrderEventType.PAYMENT_CHANGED]
    )
    assert list(changes.values_list("transition", flat=True)) == [name for name, _, _ in steps]
    assert set(
        order.events.exclude(event_type=OrderEventType.CREATED).values_list("actor", flat=True)
    ) == {manager.pk}


@pytest.mark.django_db
def test_order_page_shows_exactly_the_users_transitions(client):
    order = order_in_state(OrderStatus.PICKING)
    client.force_login(user_with_role(WAREHOUSE))

    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))

    assert page.status_code == 200
    # Packing waits for the picks; the floor may hold the order for a stock or address problem.
    assert buttons_on(page) == ["hold"]
    assert "Left to pick: 2 x MUG-1, 1 x TEA-7" in page.content.decode()
    # Read-only: no save button, and the status is not a form field.
    assert 'name="_save"' not in page.content.decode()
    assert 'name="status"' not in page.content.decode()


@pytest.mark.django_db
def test_hold_button_asks_for_a_reason_and_refuses_without_one(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.PACKING)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert 'value="stock_shortage"' in page.content.decode()

    order = press(client, order, "hold", reason="")
    assert order.status == OrderStatus.PACKING
    messages = [str(m) for m in client.get(page.request["PATH_INFO"]).context["messages"]]
    assert messages == ["A reason is required to put on hold."]

    order = press(client, order, "hold", reason="stock_shortage", note="Shelf B3 empty")
    assert (order.status, order.hold_reason) == (OrderStatus.ON_HOLD, "stock_shortage")
    assert order.events.order_by("-id").first().note == "Shelf B3 empty"


@pytest.mark.django_db
def test_a_stale_page_cannot_overwrite_a_newer_change(client):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.PROCESSING)
    stale_version = order.version
    press(client, order, "start_picking")

    response = client.post(
        reverse("admin:orders_order_transition", args=[order.pk]),
        {"transition": "cancel", "reason": "customer asked", "version": stale_version},
        follow=True,
    )

    assert Order.objects.get(pk=order.pk).status == OrderStatus.PICKING
    *_earlier, message = [str(m) for m in response.context["messages"]]
    assert "has changed since you loaded it" in message


@pytest.mark.django_db
def test_posting_a_transition_outside_the_role_is_refused(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_new()

    order = press(client, order, "confirm")

    assert order.status == OrderStatus.RECEIVED
    assert order.events.count() == 1


@pytest.mark.django_db
def test_unreadable_refund_amount_is_an_error_not_a_full_refund(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card", payment_status="paid")
    url = reverse("admin:orders_order_transition", args=[order.pk])

    for amount in ["lots", "NaN", "", "1.5"]:  # 1.5 parses, but VND has no decimals
        response = client.post(
            url,
            {"transition": "refund_payment", "version": order.version, "amount": amount},
        )
        assert response.status_code == 400
        assert 'class="errorlist"' in response.content.decode()
    assert "VND amounts have no decimals." in response.content.decode()
    order.refresh_from_db()
    assert (order.payment_status, str(order.amount_refunded)) == ("paid", "0.00")


@pytest.mark.django_db
def test_transition_endpoint_refuses_get_and_anonymous(client):
    order = order_new()
    url = reverse("admin:orders_order_transition", args=[order.pk])

    assert client.post(url, {"transition": "confirm"}).status_code == 302  # to the login page
    client.force_login(user_with_role(MANAGER))
    assert client.get(url).status_code == 405
    assert Order.objects.get(pk=order.pk).status == OrderStatus.RECEIVED


@pytest.mark.django_db
def test_order_list_filters_and_searches(client):
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory()
    received = order_new(storefront=storefront)
    shipped = order_in_state(OrderStatus.SHIPPED, storefront=storefront)
    url = reverse("admin:orders_order_changelist")

    by_status = client.get(url, {"status__exact": "shipped"})
    by_number = client.get(url, {"q": received.number})
    by_external_id = client.get(url, {"q": shipped.external_id})

    assert [o.pk for o in by_status.context["cl"].result_list] == [shipped.pk]
    assert [o.pk for o in by_number.context["cl"].result_list] == [received.pk]
    assert [o.pk for o in by_external_id.context["cl"].result_list] == [shipped.pk]
    assert client.get(url, {"q": "lan@example.com"}).context["cl"].result_count == 2


@pytest.mark.django_db
def test_order_list_query_count_does_not_grow_with_orders(client, django_assert_max_num_queries):
    client.force_login(user_with_role(MANAGER))
    storefront = StorefrontFactory()
    order_new(storefront=storefront)
    url = reverse("admin:orders_order_changelist")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_order:
        client.get(url)
    for _ in range(12):
        order_new(storefront=storefront)

    with django_assert_max_num_queries(len(one_order.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 13


@pytest.mark.django_db
def test_order_page_query_count_does_not_grow_with_history(client, django_assert_max_num_queries):
    client.force_login(user_with_role(MANAGER))
    order = order_in_state(OrderStatus.SHIPPED)
    url = reverse("admin:orders_order_change", args=[order.pk])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short_history:
        client.get(url)
    order = order_in_state(OrderStatus.SHIPPED)
    for transition, reason in [("hold", "address_check"), ("release", ""), ("deliver", "")]:
        order = order_transition(order=order, transition=transition, actor=None, reason=reason)
    order = order_step(order, "open_after_sales")
    after_sales_request_advance(
        request=order.after_sales_requests.get(), transition="reject", actor=None
    )
    order = order_transition(order=order, transition="complete", actor=None)
    url = reverse("admin:orders_order_change", args=[order.pk])

    with django_assert_max_num_queries(len(short_history.captured_queries)):
        client.get(url)


@pytest.mark.django_db
def test_even_a_superuser_cannot_save_an_order_form(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin_user)
    order = order_new()
    url = reverse("admin:orders_order_change", args=[order.pk])

    page = client.get(url)
    response = client.post(url, {"external_id": "hijacked", "_save": "Save"})

    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).external_id == order.external_id


@pytest.mark.django_db
def test_a_transition_blocked_by_its_condition_is_shown_disabled_with_the_reason(client):
    client.force_login(user_with_role(MANAGER))
    order = order_new(payment_method="card")

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "confirm" not in buttons_on_html(page)
    assert 'data-blocked-transition="confirm"' in page
    assert "Payment must be authorized or paid first" in page


@pytest.mark.django_db
def test_blocked_transitions_are_not_shown_to_users_without_the_permission(client):
    client.force_login(user_with_role(WAREHOUSE))
    order = order_new(payment_method="card")

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert "data-blocked-transition" not in page
    assert "There is nothing you can do with this order" in page


def buttons_on_html(html: str) -> list[str]:
    return re.findall(r'data-transition="([a-z_]+)"', html)


@pytest.mark.django_db
@pytest.mark.parametrize("object_id", ["not-a-number", "999999"])
def test_transition_on_a_missing_order_is_404_not_500(client, object_id):
    client.force_login(user_with_role(MANAGER))

    response = client.post(
        f"/admin/orders/order/{object_id}/transition/", {"transition": "confirm"}
    )

    assert response.status_code == 404


@pytest.mark.django_db
def test_admin_has_no_packing_or_shipping_forms_of_its_own(client):
    # One place packs and ships (the dashboard's order page, through the services);
    # the admin only says what is left and links there.
    client.force_login(user_with_role(WAREHOUSE))
    order = order_in_state(OrderStatus.PACKING)

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert 'data-fulfillment="dashboard"' in page
    assert f'href="{reverse("dashboard:order-detail", args=[order.number])}"' in page
    assert 'name="weight_grams"' not in page
    for gone in ("admin:orders_order_pack", "admin:orders_order_book_shipment"):
        with pytest.raises(NoReverseMatch):
            reverse(gone, args=[order.pk])
    assert order.packages.count() == 0
