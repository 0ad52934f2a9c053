"""POST /api/v1/orders/: creation, idempotency, validation a shop developer can act on."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from orders.models import IdempotencyKey, Order, OrderLine
from orders.services import storefront_create
from orders.tests.links import order_number_of_link

from .conftest import create, order_body

pytestmark = pytest.mark.django_db


def concurrent_on_postgresql(test):
    """Threads with their own connections, committing for real: PostgreSQL only."""
    test = pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent inserts need PostgreSQL: set DATABASE_URL=postgres://... (CI does)",
    )(test)
    return pytest.mark.django_db(transaction=True)(test)


def test_create_answers_201_with_totals_computed_by_us(shop):
    storefront, client = shop

    response = create(client, order_body(total="1.00", subtotal="1.00"))

    assert response.status_code == 201
    body = response.json()
    assert (body["subtotal"], body["shipping_price"], body["total"]) == (
        "325001.00",
        "30000.00",
        "355001.00",
    )
    assert (body["status"], body["status_display"], body["payment_status"]) == (
        "received",
        "Order received",
        "unpaid",
    )
    assert response["ETag"] == '"1"'
    order = Order.objects.get(number=body["number"])
    assert (order.storefront, order.external_id, str(order.total)) == (
        storefront,
        "WEB-1",
        "355001.00",
    )
    assert [line["line_total"] for line in body["lines"]] == ["240000.00", "85001.00"]


def test_same_key_and_body_returns_the_same_order_without_a_duplicate(shop):
    _, client = shop
    first = create(client, key="abc")

    again = create(client, key="abc")

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Order.objects.count() == 1


def test_same_key_with_another_body_is_422_idempotency_conflict(shop):
    _, client = shop
    create(client, key="abc")

    response = create(client, order_body(external_id="WEB-2"), key="abc")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert Order.objects.count() == 1


def test_keys_are_scoped_per_storefront(shop, other_shop):
    _, client = shop
    _, other_client = other_shop

    first = create(client, key="shared")
    second = create(other_client, key="shared")

    assert second.status_code == 201
    assert first.json()["number"] != second.json()["number"]


def test_an_expired_key_creates_a_new_order(shop):
    _, client = shop
    create(client, key="old")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = create(client, order_body(external_id="WEB-2"), key="old")

    assert response.status_code == 201
    assert Order.objects.count() == 2


def test_keys_live_for_24_hours(shop):
    _, client = shop
    before = timezone.now()

    create(client, key="k")

    record = IdempotencyKey.objects.get()
    assert timedelta(hours=24) <= record.expires_at - before <= timedelta(hours=24, seconds=5)


def test_a_refused_request_does_not_burn_its_key(shop):
    _, client = shop
    refused = create(client, order_body(currency="USD"), key="retry-me")
    assert refused.status_code == 400

    accepted = create(client, order_body(), key="retry-me")

    assert accepted.status_code == 201


def test_missing_idempotency_key_is_a_validation_error(shop):
    _, client = shop

    response = client.post("/api/v1/orders/", order_body(), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {
        "Idempotency-Key": ["This header is required, at most 255 characters."]
    }
    assert Order.objects.count() == 0


def test_reused_external_id_under_a_new_key_is_a_conflict(shop):
    _, client = shop
    create(client, key="one")

    response = create(client, key="two")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert response.json()["error"]["details"] == {
        "external_id": ["Already used by another order of this storefront."]
    }


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": "MUG-1"}, "lines"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "USD"}, "currency"),
        ({"payment_method": "barter"}, "payment_method"),
        ({"payment_status": "refunded"}, "payment_status"),
        ({"shipping_price": "-1"}, "shipping_price"),
        ({"shipping_price": "abc"}, "shipping_price"),
        ({"external_id": ""}, "external_id"),
        ({"customer": {"email": "not-an-email", "name": "A"}}, "customer.email"),
        ({"customer": "lan@example.com"}, "customer"),
        ({"shipping_address": {"name": "A", "line1": "x", "city": "y", "country": "Viet Nam"}},
         "shipping_address.country"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 0, "unit_price": "1"}]},
         "lines[0].quantity"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "0"}]},
         "lines[0].unit_price"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": "two", "unit_price": "1"}]},
         "lines[0].quantity"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1.5, "unit_price": "1"}]},
         "lines[0].quantity"),
        ({"lines": [{"sku": "A", "name": "A", "quantity": 1, "unit_price": "1"}, {"name": "B"}]},
         "lines[1].sku"),
    ],
)  # fmt: skip
def test_each_bad_field_is_named_in_details(shop, override, field):
    _, client = shop

    response = create(client, order_body(**override))

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"], error["details"]
    assert Order.objects.count() == OrderLine.objects.count() == 0


@pytest.mark.parametrize("body", ["null", "[]", '"order"'])
def test_a_body_that_is_not_an_object_is_a_400_not_a_500(shop, body):
    _, client = shop

    response = client.post(
        "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["non_field_errors"]


def test_field_errors_of_one_request_never_reach_the_next(shop):
    # One validator instance serves every request: it must keep nothing between them.
    _, client = shop
    bad = order_body(external_id="", lines=[{"sku": "A", "quantity": 0}])

    refused = create(client, bad, key="bad")
    accepted = create(client, order_body(external_id="WEB-2"), key="good")
    refused_again = create(client, order_body(currency="XYZ"), key="bad-2")

    assert refused.status_code == 400
    assert {"external_id", "lines[0].name", "lines[0].quantity"} <= set(
        refused.json()["error"]["details"]
    )
    assert accepted.status_code == 201
    assert accepted.json()["lines"][0]["sku"] == "MUG-1"
    assert list(refused_again.json()["error"]["details"]) == ["currency"]


def test_malformed_json_is_a_400_in_the_documented_shape(shop):
    _, client = shop

    response = client.generic(
        "POST",
        "/api/v1/orders/",
        '{"external_id": "WEB-1",',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["message"].startswith("JSON parse error")


@pytest.mark.parametrize("body", ["[]", '"an order"', "null", "42"])
def test_json_that_is_not_an_object_is_refused(shop, body):
    _, client = shop

    response = client.generic(
        "POST", "/api/v1/orders/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_form_body_is_415(shop):
    _, client = shop

    response = client.post("/api/v1/orders/", {"external_id": "x"}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_staff_token_must_name_the_storefront_of_the_order(db, django_user_model):
    # Staff take orders for customers (test_order_taken_by_staff.py): for a storefront they name.
    from rest_framework.authtoken.models import Token

    staff = django_user_model.objects.create_user("ops", is_staff=True, is_superuser=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")

    response = create(client)

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == ["storefront"]
    assert not Order.objects.exists()


@concurrent_on_postgresql
def test_ten_simultaneous_requests_with_one_key_create_one_order():
    storefront, key = storefront_create(name="Busy Shop")
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        try:
            barrier.wait(10)
            response = create(client, key="same-key")
            answers.append((response.status_code, response.json().get("number", "")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(answers) == 10
    assert {status for status, _ in answers} == {201}
    assert len({number for _, number in answers}) == 1
    assert Order.objects.filter(storefront=storefront).count() == 1
    assert IdempotencyKey.objects.filter(storefront=storefront).count() == 1


def _simultaneously(count: int, request) -> list:
    """Run `request(i)` in `count` threads released together; return their answers."""
    barrier = threading.Barrier(count)
    answers: list = []

    def run(index: int):
        try:
            barrier.wait(10)
            answers.append(request(index))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@concurrent_on_postgresql
def test_first_orders_of_one_new_customer_at_once_all_land_on_one_customer():
    storefront, key = storefront_create(name="Busy Shop")

    def post(index: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        body = order_body(external_id=f"WEB-{index}")
        body["customer"]["email"] = (
            "New.Buyer@example.com" if index % 2 else "new.buyer@example.com"
        )
        return create(client, body, key=f"key-{index}").status_code

    answers = _simultaneously(8, post)

    assert answers == [201] * 8
    orders = Order.objects.filter(storefront=storefront)
    assert orders.count() == 8
    assert orders.values("customer").distinct().count() == 1
    assert storefront.customers.count() == 1
    assert IdempotencyKey.objects.filter(storefront=storefront, order__isnull=False).count() == 8


@concurrent_on_postgresql
def test_one_key_with_different_bodies_at_once_creates_one_order_and_refuses_the_rest():
    storefront, key = storefront_create(name="Busy Shop")

    def post(index: int) -> tuple[int, str]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        response = create(client, order_body(external_id=f"WEB-{index}"), key="same-key")
        return response.status_code, response.json().get("error", {}).get("code", "")

    answers = _simultaneously(6, post)

    assert sorted(answers) == [(201, "")] + [(422, "idempotency_conflict")] * 5
    assert Order.objects.filter(storefront=storefront).count() == 1
    record = IdempotencyKey.objects.get(storefront=storefront)
    assert record.order == Order.objects.get(storefront=storefront)


def test_the_201_answer_is_the_order_as_a_read_back_gives_it(shop):
    _, client = shop
    body = order_body()
    body["lines"][0]["category"] = "kitchen"

    created = create(client, body)
    read = client.get(f"/api/v1/orders/{created.json()['number']}/")

    assert created.status_code == 201
    created_body, read_body = created.json(), read.json()
    # The tracking link is signed when it is rendered, with the second it was made
    # in (the /track/ form's fresh-link rule reads it), so two answers a second apart
    # carry different links to the same order.
    created_link, read_link = created_body.pop("tracking_url"), read_body.pop("tracking_url")
    assert order_number_of_link(created_link) == created_body["number"]
    assert order_number_of_link(read_link) == created_body["number"]
    assert created_body == read_body
    assert created["ETag"] == read["ETag"]


def test_creation_writes_in_a_fixed_number_of_statements_and_reads_nothing_back(
    shop, django_assert_num_queries
):
    _, client = shop
    create(client, order_body(external_id="WEB-0"), key="warm-up")
    new_customer = order_body(external_id="WEB-8")
    new_customer["customer"] = {**new_customer["customer"], "email": "new@example.com"}

    # API key lookup, the customer's insert, address, order, lines, event,
    # notification, the idempotency key (written last, pointing at the order), and
    # the savepoint around them all that the test's own transaction makes of the
    # service's transaction. No savepoint of its own, no read back.
    with django_assert_num_queries(10):
        first_order = create(client, new_customer, key="counted-new")
    # A returning customer: the insert does nothing, then the row is read and locked.
    with django_assert_num_queries(11):
        returning = create(client, order_body(external_id="WEB-9"), key="counted")

    assert first_order.status_code == returning.status_code == 201


def test_a_returning_customer_with_the_same_details_is_not_rewritten(shop):
    _, client = shop
    create(client, order_body(external_id="WEB-1"), key="one")
    customer = Order.objects.get().customer
    before = customer.updated_at

    create(client, order_body(external_id="WEB-2"), key="two")

    customer.refresh_from_db()
    assert Order.objects.filter(customer=customer).count() == 2
    assert customer.updated_at == before


def test_an_order_number_already_taken_is_replaced_by_a_new_one(shop, monkeypatch):
    from orders.services import creation

    _, client = shop
    taken = create(client, order_body(external_id="WEB-1"), key="one").json()["number"]
    numbers = iter([taken, "ORNEWNUMB1"])
    monkeypatch.setattr(creation, "order_number_generate", lambda: next(numbers))

    response = create(client, order_body(external_id="WEB-2"), key="two")

    assert response.status_code == 201
    assert response.json()["number"] == "ORNEWNUMB1"
    assert Order.objects.count() == 2
    assert IdempotencyKey.objects.get(key="two").order.number == "ORNEWNUMB1"


def test_a_number_taken_on_every_try_is_an_error_not_a_conflict_and_writes_nothing(
    shop, monkeypatch
):
    # Three collisions in a row are a broken generator, not the client's doing: the
    # IntegrityError goes on (a logged 500), and no key is left behind to replay.
    from django.db import IntegrityError

    from orders.services import creation

    storefront, client = shop
    taken = create(client, order_body(external_id="WEB-1"), key="one").json()["number"]
    monkeypatch.setattr(creation, "order_number_generate", lambda: taken)

    with pytest.raises(IntegrityError):
        creation.order_create_idempotent(
            storefront=storefront,
            idempotency_key="two",
            request_body={"external_id": "WEB-2"},
            **order_body(external_id="WEB-2"),
        )

    assert Order.objects.count() == 1
    assert not IdempotencyKey.objects.filter(key="two").exists()


def test_a_paid_order_to_a_storefront_that_confirms_itself_answers_confirmed(shop):
    storefront, client = shop
    storefront.auto_confirm_paid = True
    storefront.save()

    response = create(client, order_body(payment_method="card", payment_status="paid"))
    replay = create(client, order_body(payment_method="card", payment_status="paid"))
    read = client.get(f"/api/v1/orders/{response.json()['number']}/")

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["payment_status"]) == ("processing", "paid")
    assert [event["message"] for event in body["events"]] == ["Order received", "Order confirmed"]
    assert replay.json()["status"] == read.json()["status"] == "processing"
    assert body["version"] == read.json()["version"]
    assert Order.objects.get().status == "processing"
