"""Editing an order and cancelling items from its page: who may, preview first, and refusals.

The pages call the real edit service (orders.services.edits); a refused or
stale post must leave the order exactly as it was.
"""

import re
from decimal import Decimal

import pytest

from notifications.models import Notification, NotificationKind
from orders.models import Order, OrderEvent, OrderStatus
from orders.roles import CUSTOMER_CARE, FINANCE, MANAGER, WAREHOUSE
from orders.tests.factories import user_with_role

from .conftest import order_make

pytestmark = pytest.mark.django_db


def snapshot(order: Order) -> tuple:
    """What must not move when an edit is only previewed or is refused."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.payment_status,
        order.version,
        order.total,
        order.shipping_price,
        order.amount_refunded,
        order.shipping_address_id,
        order.customer.name,
        sorted(order.lines.values_list("sku", "quantity")),
        OrderEvent.objects.filter(order=order).count(),
        Notification.objects.filter(order=order).count(),
    )


def edit_form(order: Order, **changes) -> dict:
    """The edit form as the page draws it for `order`, with `changes` typed over it."""
    order = Order.objects.get(pk=order.pk)
    address = order.shipping_address
    data = {
        "version": order.version,
        "shipping_price": str(order.shipping_price),
        "add_sku": "",
        "add_name": "",
        "add_unit_price": "",
        "add_quantity": "",
        "address_name": address.name,
        "address_line1": address.line1,
        "address_line2": address.line2,
        "address_city": address.city,
        "address_postal_code": address.postal_code,
        "address_country": address.country,
        "customer_name": order.customer.name,
        "customer_phone": order.customer.phone,
        "reason": "Customer called",
        "note": "",
    }
    for line in order.lines.all():
        data[f"quantity_{line.pk}"] = str(line.quantity)
    skus = {line.sku: line.pk for line in order.lines.all()}
    for name, value in changes.items():
        if name.startswith("quantity_") and not name[len("quantity_") :].isdigit():
            # quantity_MUG-1 (or quantity_MUG_1 as a keyword) is that line's field.
            sku = name[len("quantity_") :]
            name = f"quantity_{skus.get(sku) or skus[sku.replace('_', '-')]}"
        data[name] = value
    return data


def edit_url(order: Order) -> str:
    return f"/dashboard/orders/{order.number}/edit/"


def cancel_url(order: Order) -> str:
    return f"/dashboard/orders/{order.number}/cancel-items/"


@pytest.fixture
def care(client):
    client.force_login(user_with_role(CUSTOMER_CARE))
    return client


def paid_order(status: str = "processing") -> Order:
    # Mug 2 x ₫100 + shipping ₫10 = ₫210, paid by card.
    return order_make(status, payment_method="card", payment_status="paid")


# -- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "edit", "cancel"),
    [
        (CUSTOMER_CARE, True, True),
        (MANAGER, True, True),
        (WAREHOUSE, False, False),
        (FINANCE, False, False),
    ],
)
def test_the_order_page_offers_edit_and_cancel_items_only_to_those_who_may(
    client, role, edit, cancel
):
    client.force_login(user_with_role(role))
    order = paid_order()

    page = client.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert "<<<<<<<" not in page and ">>>>>>>" not in page  # no merge leftovers
    assert ('data-action="edit-order"' in page) is edit
    assert (f'href="{edit_url(order)}"' in page) is edit
    assert ('data-action="cancel-items"' in page) is cancel


@pytest.mark.parametrize("role", [WAREHOUSE, FINANCE])
def test_staff_without_the_edit_permission_get_403_and_nothing_changes(client, role):
    client.force_login(user_with_role(role))
    order = paid_order()
    before = snapshot(order)

    shown = client.get(edit_url(order))
    posted = client.post(
        edit_url(order), {**edit_form(order, quantity_MUG_1="1"), "action": "save"}
    )
    cancelled = client.post(
        cancel_url(order),
        {"version": order.version, f"cancel_{order.lines.get().pk}": "1", "reason": "x"},
    )

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert cancelled.status_code == 403
    assert snapshot(order) == before


def test_a_shipped_order_offers_no_edit(care):
    order = order_make("shipped")

    page = care.get(f"/dashboard/orders/{order.number}/").content.decode()

    assert 'data-action="edit-order"' not in page
    assert 'data-action="cancel-items"' not in page


def test_anonymous_visitors_are_sent_to_log_in(client):
    order = paid_order()

    response = client.get(edit_url(order))

    assert response.status_code == 302
    assert response["Location"].startswith("/dashboard/login/")


# -- the form as drawn -----------------------------------------------------------------


def test_the_form_shows_lines_shipping_address_and_contact_until_packing(care):
    order = paid_order("picking")

    page = care.get(edit_url(order)).content.decode()

    line = order.lines.get()
    assert f'name="quantity_{line.pk}"' in page
    for name in ("add_sku", "add_unit_price", "shipping_price", "address_line1", "customer_phone"):
        assert f'name="{name}"' in page
    assert f'name="version" value="{order.version}"' in page


def test_once_packing_started_only_address_and_contact_are_editable(care):
    order = paid_order("packing")

    page = care.get(edit_url(order)).content.decode()

    assert "quantity_" not in page
    assert 'name="shipping_price"' not in page
    assert 'name="address_line1"' in page
    assert "Packing has started: lines and the shipping price can no longer change." in page


# -- bad input: a form error, never a 500, nothing written ------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity_MUG-1": "two"}, "quantity", "Enter a whole number."),
        ({"quantity_MUG-1": "-1"}, "quantity", "greater than or equal to 0"),
        ({"shipping_price": "ten"}, "shipping_price", "Enter a number."),
        ({"add_sku": "TEA-1", "add_unit_price": "5"}, "add_name", "A new line needs its name."),
        ({"add_name": "Tea"}, "add_sku", "A new line needs its SKU."),
        ({"add_sku": "MUG-1", "add_name": "Mug", "add_unit_price": "1"}, "add_sku", "already"),
        ({"reason": ""}, "reason", "This field is required."),
        ({"version": "abc"}, "version", "not valid; reload the page"),
        ({}, None, "Nothing was changed"),
    ],
    ids=[
        "quantity-word",
        "quantity-negative",
        "shipping-word",
        "new-line-no-name",
        "new-line-no-sku",
        "new-line-known-sku",
        "no-reason",
        "garbled-version",
        "no-change",
    ],
)
def test_bad_input_comes_back_as_a_form_error_and_writes_nothing(care, changes, field, message):
    order = paid_order()
    before = snapshot(order)

    for action in ("preview", "save"):
        response = care.post(edit_url(order), {**edit_form(order, **changes), "action": action})

        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert "Nothing was saved" in page or 'class="field-error"' in page
        if field is not None and field != "version":
            assert 'aria-invalid="true"' in page
    assert snapshot(order) == before


def test_a_refusal_of_the_service_lands_on_the_form(care):
    order = paid_order()
    before = snapshot(order)

    # Half a dong is not an amount of VND: the service refuses it, naming the field.
    response = care.post(
        edit_url(order), {**edit_form(order, shipping_price="10.5"), "action": "save"}
    )

    assert response.status_code == 400
    assert "VND amounts have no decimals." in response.content.decode()
    assert snapshot(order) == before


# -- preview, then save ----------------------------------------------------------------


def test_preview_shows_new_lines_totals_and_the_refund_and_writes_nothing(care):
    order = paid_order()
    before = snapshot(order)

    response = care.post(edit_url(order), {**edit_form(order, quantity_MUG_1="1")})

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'data-preview-line="MUG-1"><td>MUG-1</td><td>Mug</td><td>1</td>', page)
    assert re.search(r"data-total-before>₫210</dd>", page)
    assert re.search(r"data-total-after>₫110</dd>", page)
    assert "Refund ₫100" in page
    assert "<li>Quantity of MUG-1: 2 → 1</li>" in page
    assert 'value="save"' in page
    assert snapshot(order) == before


def test_save_changes_the_order_says_so_and_the_page_shows_the_new_total(care):
    order = paid_order()

    response = care.post(
        edit_url(order), {**edit_form(order, quantity_MUG_1="1"), "action": "save"}, follow=True
    )

    stored = Order.objects.get(pk=order.pk)
    assert response.redirect_chain == [(f"/dashboard/orders/{order.number}/", 302)]
    assert (stored.total, stored.amount_refunded) == (Decimal("110.00"), Decimal("100.00"))
    assert stored.version > order.version
    page = response.content.decode()
    assert f"Order {order.number} changed." in page
    assert "₫110" in page
    # The timeline says who changed what, before and after.
    changes = re.search(r"<ul class=\"timeline__changes\" data-edit-changes>(.*?)</ul>", page)
    assert changes is not None
    assert re.findall(r"<li>(.*?)</li>", changes.group(1)) == [
        "Quantity of MUG-1: 2 → 1",
        "Subtotal: ₫200 → ₫100",
        "Total: ₫210 → ₫110",
    ]
    assert list(
        Notification.objects.filter(order=order)
        .exclude(kind=NotificationKind.ORDER_RECEIVED)
        .exclude(kind=NotificationKind.ORDER_CONFIRMED)
        .values_list("kind", flat=True)
    ) == [NotificationKind.ORDER_EDITED]


def test_an_address_and_contact_change_is_saved_after_packing_started(care):
    order = paid_order("packing")

    response = care.post(
        edit_url(order),
        {
            **edit_form(order, address_line1="5 Nguyễn Huệ", customer_phone="+84909999999"),
            "action": "save",
        },
    )

    assert response.status_code == 302
    stored = Order.objects.get(pk=order.pk)
    assert stored.shipping_address.line1 == "5 Nguyễn Huệ"
    assert stored.customer.phone == "+84909999999"
    assert stored.total == order.total


def test_a_stale_version_is_refused_with_412_and_nothing_is_written(care):
    order = paid_order()
    form = edit_form(order, quantity_MUG_1="1")
    # Someone else changes the order after the page was drawn.
    care.post(edit_url(order), {**edit_form(order, customer_name="Lan Nguyễn"), "action": "save"})
    before = snapshot(order)

    response = care.post(edit_url(order), {**form, "action": "save"})

    assert response.status_code == 412
    page = response.content.decode()
    assert "This order was changed by someone else while you were editing it." in page
    assert "Nothing was saved." in page
    assert snapshot(order) == before


def test_a_page_drawn_before_a_line_was_added_is_stale_not_bad_input(care):
    order = paid_order()
    form = edit_form(order, quantity_MUG_1="1")
    # Someone else adds a line: today's form has a required field the old page lacks.
    care.post(
        edit_url(order),
        {
            **edit_form(order),
            "add_sku": "VASE-3",
            "add_name": "Vase",
            "add_unit_price": "50000",
            "add_quantity": "1",
            "action": "save",
        },
    )
    before = snapshot(order)
    assert Order.objects.get(pk=order.pk).lines.filter(sku="VASE-3").exists()  # it went in

    response = care.post(edit_url(order), {**form, "action": "save"})

    assert response.status_code == 412
    assert "Nothing was saved." in response.content.decode()
    assert snapshot(order) == before


# -- cancelling items ------------------------------------------------------------------


def test_cancel_items_states_the_refund_first_then_cancels_only_those(care):
    order = paid_order()
    line = order.lines.get()
    before = snapshot(order)
    data = {"version": order.version, f"cancel_{line.pk}": "1", "reason": "Out of stock"}

    review = care.post(cancel_url(order), data)

    assert review.status_code == 200
    page = review.content.decode()
    assert "data-confirm-text" in page
    assert "Refund ₫100" in page
    assert snapshot(order) == before

    done = care.post(cancel_url(order), {**data, "confirmed": "1"})

    assert done.status_code == 302
    stored = Order.objects.get(pk=order.pk)
    assert stored.status == OrderStatus.PROCESSING
    assert stored.lines.get().quantity == 1
    assert (stored.total, stored.amount_refunded) == (Decimal("110.00"), Decimal("100.00"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose how many of at least one item to cancel."),
        ({"cancel": "3"}, "less than or equal to 2"),
        ({"cancel": "x"}, "Enter a whole number."),
        ({"cancel": "1", "reason": ""}, "This field is required."),
    ],
    ids=["nothing", "too-many", "word", "no-reason"],
)
def test_cancel_items_bad_input_is_a_form_error(care, data, message):
    order = paid_order()
    line = order.lines.get()
    before = snapshot(order)
    posted = {"version": order.version, "reason": "Out of stock"}
    if "cancel" in data:
        posted[f"cancel_{line.pk}"] = data.pop("cancel")
    posted.update(data)

    for confirmed in ("", "1"):
        response = care.post(cancel_url(order), {**posted, "confirmed": confirmed})

        assert response.status_code == 400
        assert message in response.content.decode()
    assert snapshot(order) == before


def test_cancel_items_on_a_stale_page_is_refused_with_412(care):
    order = paid_order()
    line = order.lines.get()
    stale = order.version
    care.post(edit_url(order), {**edit_form(order, customer_name="Lan Nguyễn"), "action": "save"})
    before = snapshot(order)

    response = care.post(
        cancel_url(order),
        {"version": stale, f"cancel_{line.pk}": "1", "reason": "Out of stock", "confirmed": "1"},
    )

    assert response.status_code == 412
    assert "Nothing was cancelled." in response.content.decode()
    assert snapshot(order) == before
