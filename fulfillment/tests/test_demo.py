"""The warehouse's demo data: reference data once, and boxes and parcels for each order."""

import pytest

from fulfillment.demo import FulfillmentDemoSeeder
from fulfillment.models import (
    AfterSalesRequest,
    AfterSalesStatus,
    Carrier,
    InventoryItem,
    Package,
    PackageLine,
    RefundProposal,
    RefundProposalStatus,
    Shipment,
    ShipmentStatus,
    Supplier,
)
from orders.demo import PRODUCTS, demo_data_seed
from orders.models import Order, OrderStatus

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("private_media")

# Statuses an order reaches only after "ready to ship" / "ship" / "deliver".
_PACKED = {
    OrderStatus.READY_TO_SHIP,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.POST_DELIVERY,
}
_SHIPPED = _PACKED - {OrderStatus.READY_TO_SHIP}
_DELIVERED = {OrderStatus.DELIVERED, OrderStatus.POST_DELIVERY, OrderStatus.COMPLETED}


@pytest.mark.django_db
def test_reference_data_is_made_once_and_kept():
    seeder = FulfillmentDemoSeeder()

    seeder.reference_ensure(storefronts={})
    seeder.reference_ensure(storefronts={})

    carriers = sorted(Carrier.objects.values_list("code", flat=True))
    assert carriers == ["dhl", "ghn", "ghtk", "vnpost"]
    assert sorted(InventoryItem.objects.values_list("sku", flat=True)) == sorted(
        product[0] for product in PRODUCTS
    )
    assert InventoryItem.objects.get(sku="EL-1001").location == "A-01-1"
    assert Supplier.objects.count() == 2


@pytest.mark.django_db
def test_each_order_is_packed_and_shipped_as_far_as_its_status_goes():
    demo_data_seed(orders=60)

    orders = list(Order.objects.prefetch_related("lines", "packages", "shipments__carrier"))
    assert {order.status for order in orders} >= _PACKED | {OrderStatus.COMPLETED}
    for order in orders:
        packages, shipments = list(order.packages.all()), list(order.shipments.all())
        if order.status in _PACKED or order.status == OrderStatus.COMPLETED:
            # Everything packed, in one box or (with three lines or more) two.
            assert len(packages) == (2 if order.lines.count() > 2 else 1)
            packed = PackageLine.objects.filter(package__order=order)
            assert sorted(packed.values_list("order_line__sku", "quantity")) == sorted(
                order.lines.values_list("sku", "quantity")
            )
        if order.status in _SHIPPED or order.status == OrderStatus.COMPLETED:
            assert len(shipments) == 1
            shipment = shipments[0]
            assert {package.shipment_id for package in packages} == {shipment.pk}
            assert (shipment.carrier.code == "dhl") == (order.currency == "USD")
            assert shipment.tracking_number.startswith(shipment.carrier.code.upper())
            delivered = order.status in _DELIVERED
            assert (shipment.status == ShipmentStatus.DELIVERED) == delivered
        elif order.status not in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
            assert shipments == []
    assert Shipment.objects.count() > 0
    assert Package.objects.filter(shipment=None, order__status=OrderStatus.SHIPPED).count() == 0


@pytest.mark.django_db
def test_demo_has_after_sales_requests_in_every_state_and_a_refund_to_approve():
    demo_data_seed(orders=120)

    statuses = set(AfterSalesRequest.objects.values_list("status", flat=True))
    assert statuses == set(AfterSalesStatus.values)
    waiting = RefundProposal.objects.filter(status=RefundProposalStatus.PENDING)
    assert waiting.exists()
    for proposal in waiting.select_related("request__order"):
        assert proposal.request.status == AfterSalesStatus.ITEM_RECEIVED
        assert 0 < proposal.amount <= proposal.request.order.amount_refundable
    # Every order after delivery got there by a request, never by the bare transition.
    for order in Order.objects.filter(status=OrderStatus.POST_DELIVERY):
        assert order.after_sales_requests.exists()
