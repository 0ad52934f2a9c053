"""Pick, pack, ship and team moves refuse a page's old version under the order's row lock."""

import pytest

from dashboard.tests.conftest import order_make, team_create
from fulfillment.models import Package, PickRecord, Shipment
from fulfillment.services.packing import package_create, shipment_create
from fulfillment.services.picking import picking_record
from orders.models import Order
from orders.services import order_team_reassign
from orders.tests.factories import CarrierFactory, order_pack_everything
from shared.errors import StaleOrderVersion

pytestmark = pytest.mark.django_db


def _act(action: str, order: Order, version: int):
    if action == "pick":
        return picking_record(
            order=order,
            picks=[{"sku": order.lines.first().sku, "quantity": 1}],
            actor=None,
            expected_version=version,
        )
    if action == "pack":
        return package_create(
            order=order,
            lines=[{"sku": order.lines.first().sku, "quantity": 1}],
            weight_grams=500,
            actor=None,
            expected_version=version,
        )
    if action == "ship":
        return shipment_create(
            order=order,
            carrier_code=CarrierFactory().code,
            tracking_number="TN-1",
            package_ids=list(order.packages.values_list("pk", flat=True)),
            actor=None,
            expected_version=version,
        )
    team = team_create("night")
    return order_team_reassign(order=order, team=team, actor=None, expected_version=version)


@pytest.mark.parametrize(
    ("action", "status"),
    [("pick", "picking"), ("pack", "packing"), ("ship", "packing"), ("team", "processing")],
)
def test_an_old_version_is_refused_and_nothing_is_written(action, status):
    order = order_make(status)
    if action == "ship":
        order = order_pack_everything(order)
    order.refresh_from_db()
    rows = (PickRecord.objects.count(), Package.objects.count(), Shipment.objects.count())

    with pytest.raises(StaleOrderVersion):
        _act(action, order, order.version - 1)

    assert (PickRecord.objects.count(), Package.objects.count(), Shipment.objects.count()) == rows
    assert Order.objects.get(pk=order.pk).team_id == order.team_id


@pytest.mark.parametrize(
    ("action", "status"),
    [("pick", "picking"), ("pack", "packing"), ("team", "processing")],
)
def test_the_current_version_goes_through(action, status):
    order = order_make(status)
    order.refresh_from_db()

    assert _act(action, order, order.version)
