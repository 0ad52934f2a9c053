"""Factories and helpers that build orders the way production does: through the services."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F

from fulfillment.models import Carrier, InventoryItem
from fulfillment.selectors import order_unpicked_quantities
from fulfillment.services import after_sales_request_open, package_create, shipment_create
from fulfillment.services.picking import picking_record
from orders.models import Order, OrderStatus, PaymentMethod, PaymentStatus, Storefront
from orders.roles import roles_sync
from orders.services import order_create, order_transition


class StorefrontFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Storefront
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Shop {n}")
    code = factory.Sequence(lambda n: f"shop-{n}")
    currency = "VND"


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ["code"]

    name = "Giao Hàng Nhanh"
    code = "ghn"
    tracking_url_template = "https://track.example/{tracking_number}"
    webhook_secret = "carrier-secret-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("secret-pass-123")


def user_with_role(role: str, **kwargs) -> object:
    """Return a new staff user in `role`'s group (groups synced from orders.roles)."""
    roles_sync()
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


_external_ids = iter(range(1, 10**9))


def order_new(
    *,
    storefront: Storefront | None = None,
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY,
    payment_status: str = PaymentStatus.UNPAID,
    lines: list[dict] | None = None,
    shipping_price: Decimal = Decimal("30000.00"),
) -> Order:
    """Create an order in `received` through `order_create`."""
    storefront = storefront or StorefrontFactory()
    return order_create(
        storefront=storefront,
        external_id=f"ext-{next(_external_ids)}",
        customer={"email": "lan@example.com", "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        shipping_address={
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        lines=lines
        or [
            {
                "sku": "MUG-1",
                "name": "Mug",
                "quantity": 2,
                "unit_price": "120000",
                "category": "Home",
            },
            {"sku": "TEA-7", "name": "Tea", "quantity": 1, "unit_price": "85001"},
        ],
        payment_method=payment_method,
        payment_status=payment_status,
        shipping_price=shipping_price,
    )


# The shortest path from `received` to each state, as (transition, reason) steps.
PATH_TO = {
    OrderStatus.RECEIVED: [],
    OrderStatus.PROCESSING: [("confirm", "")],
    OrderStatus.PICKING: [("confirm", ""), ("start_picking", "")],
    OrderStatus.PACKING: [("confirm", ""), ("start_picking", ""), ("start_packing", "")],
}
PATH_TO[OrderStatus.READY_TO_SHIP] = [*PATH_TO[OrderStatus.PACKING], ("mark_ready_to_ship", "")]
PATH_TO[OrderStatus.SHIPPED] = [*PATH_TO[OrderStatus.READY_TO_SHIP], ("ship", "")]
PATH_TO[OrderStatus.DELIVERED] = [*PATH_TO[OrderStatus.SHIPPED], ("deliver", "")]
PATH_TO[OrderStatus.POST_DELIVERY] = [*PATH_TO[OrderStatus.DELIVERED], ("open_after_sales", "")]
PATH_TO[OrderStatus.COMPLETED] = [*PATH_TO[OrderStatus.DELIVERED], ("complete", "")]
PATH_TO[OrderStatus.CANCELLED] = [("cancel", "customer changed their mind")]
PATH_TO[OrderStatus.ON_HOLD] = [*PATH_TO[OrderStatus.PROCESSING], ("hold", "stock_shortage")]


def order_pick_everything(order: Order, *, actor=None) -> Order:
    """Stock the shelf with what an order that is picking still needs, and pick all of it."""
    unpicked = order_unpicked_quantities(order)
    for sku, quantity in unpicked.items():
        InventoryItem.objects.get_or_create(sku=sku, defaults={"location": "Z-99-9"})
        InventoryItem.objects.filter(sku=sku).update(
            quantity_on_hand=F("quantity_on_hand") + quantity
        )
    if unpicked:
        picking_record(
            order=order,
            picks=[{"sku": sku, "quantity": quantity} for sku, quantity in unpicked.items()],
            actor=actor,
        )
    return Order.objects.get(pk=order.pk)


def order_pack_everything(order: Order, *, actor=None) -> Order:
    """Pack every line of an order that is packing into one package."""
    package_create(
        order=order,
        lines=[{"sku": line.sku, "quantity": line.quantity} for line in order.lines.all()],
        weight_grams=1200,
        actor=actor,
    )
    return Order.objects.get(pk=order.pk)


def order_book_shipment(order: Order, *, actor=None, tracking_number: str = "") -> Order:
    """Put every unshipped package of the order into one shipment with the test carrier."""
    carrier = CarrierFactory()
    shipment_create(
        order=order,
        carrier_code=carrier.code,
        tracking_number=tracking_number or f"GHN{order.pk:08d}",
        package_ids=list(order.packages.filter(shipment=None).values_list("pk", flat=True)),
        actor=actor,
    )
    return Order.objects.get(pk=order.pk)


def transition_prepare(order: Order, transition: str) -> Order:
    """Do the fulfillment work a transition's conditions ask for (picks, packing, a shipment)."""
    if transition == "start_packing":
        return order_pick_everything(order)
    if transition == "mark_ready_to_ship":
        return order_pack_everything(order)
    if transition == "ship":
        return order_book_shipment(order)
    return order


def order_step(order: Order, transition: str, reason: str = "") -> Order:
    """Take one step of PATH_TO through the service that owns it, as the system.

    `open_after_sales` is never run on its own: a complaint is opened through
    the after-sales service, which moves the order.
    """
    order = transition_prepare(order, transition)
    if transition == "open_after_sales":
        after_sales_request_open(
            order=order,
            kind="complaint",
            reason="The box arrived dented.",
            lines=[],
            source="staff",
        )
        return Order.objects.get(pk=order.pk)
    return order_transition(order=order, transition=transition, actor=None, reason=reason)


def order_in_state(status: str, **kwargs) -> Order:
    """Create an order and move it to `status` through the services, as the system."""
    order = order_new(**kwargs)
    for transition, reason in PATH_TO[status]:
        order = order_step(order, transition, reason)
    assert order.status == status
    return order
