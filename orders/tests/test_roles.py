"""The role groups follow the table in orders/roles.py, also after someone edited them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from orders.roles import CUSTOMER_CARE, WAREHOUSE


@pytest.mark.django_db
def test_sync_roles_creates_the_groups_and_undoes_hand_edits(capsys):
    call_command("sync_roles")
    warehouse = Group.objects.get(name=WAREHOUSE)
    warehouse.permissions.add(Permission.objects.get(codename="cancel_order"))

    call_command("sync_roles")

    assert set(Group.objects.values_list("name", flat=True)) == {
        "Manager",
        "Warehouse",
        "Customer care",
        "Finance",
    }
    assert set(
        warehouse.permissions.filter(codename__endswith="_order")
        .exclude(codename="view_order")
        .values_list("codename", flat=True)
    ) == {
        "start_picking_order",
        "start_packing_order",
        "mark_ready_to_ship_order",
        "ship_order",
        "hold_for_stock_or_address_order",
        "split_order",
    }
    assert (
        not Group.objects.get(name=CUSTOMER_CARE).permissions.filter(codename="ship_order").exists()
    )
    assert "Warehouse: " in capsys.readouterr().out
