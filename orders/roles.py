"""Staff roles: Django groups, each a set of transition permissions.

`seed_demo` and the `sync_roles` command create the groups from this table, so
the table is the one place that says who may do what.
"""

from django.contrib.auth.models import Group, Permission

MANAGER = "Manager"
WAREHOUSE = "Warehouse"
CUSTOMER_CARE = "Customer care"
FINANCE = "Finance"

STATUS_TRANSITION_PERMISSIONS = [
    "confirm_order",
    "start_picking_order",
    "start_packing_order",
    "mark_ready_to_ship_order",
    "ship_order",
    "deliver_order",
    "open_after_sales_order",
    "complete_order",
    "cancel_order",
    "hold_order",
    "release_order",
]
PAYMENT_TRANSITION_PERMISSIONS = [
    "authorize_payment_order",
    "capture_payment_order",
    "refund_payment_order",
    "void_payment_order",
]

# Changing an order after it was placed, splitting off back-orders, taking orders for
# customers (orders.services.edits, backorders, creation).
ORDER_CHANGE_PERMISSIONS = ["edit_order", "split_order", "take_order"]

ROLE_TRANSITION_PERMISSIONS: dict[str, list[str]] = {
    MANAGER: STATUS_TRANSITION_PERMISSIONS
    + PAYMENT_TRANSITION_PERMISSIONS
    + ORDER_CHANGE_PERMISSIONS,
    # Picking to shipping: the work on the warehouse floor.
    WAREHOUSE: [
        "start_picking_order",
        "start_packing_order",
        "mark_ready_to_ship_order",
        "ship_order",
        # An empty shelf or an address a parcel cannot go to; other holds are customer care's.
        "hold_for_stock_or_address_order",
        # A short pick: what can ship goes, the rest waits on a back-order.
        "split_order",
    ],
    # Talking to customers: holds, cancellations and what comes after delivery.
    CUSTOMER_CARE: [
        "hold_order",
        "release_order",
        "cancel_order",
        "open_after_sales_order",
        "complete_order",
        *ORDER_CHANGE_PERMISSIONS,
    ],
    FINANCE: PAYMENT_TRANSITION_PERMISSIONS,
}

# The ledger (read, and corrected by new entries) and the rates its costs come from.
FINANCE_MODEL_PERMISSIONS = [
    ("reports", "view_ledgerentry"),
    ("reports", "add_ledgerentry"),
    ("reports", "view_reportrun"),
    *[
        ("reports", f"{action}_{model}")
        for model in ("storefrontcostrates", "carrierrate")
        for action in ("view", "add", "change")
    ],
]

# Orders from the shops' platforms and from files (connectors): the deliveries the
# platforms sent and applying them again, what went back to them, and file imports.
CONNECTOR_CARE_PERMISSIONS = [
    ("connectors", "view_platformdelivery"),
    ("connectors", "change_platformdelivery"),
    ("connectors", "reapply_platformdelivery"),
    ("connectors", "view_platformstatuspush"),
    ("connectors", "view_statuspushattempt"),
    ("connectors", "view_importjob"),
    ("connectors", "add_importjob"),
    ("connectors", "import_orders"),
]
CONNECTOR_SETUP_PERMISSIONS = [
    ("connectors", f"{action}_platformconnection") for action in ("view", "add", "change")
] + [("connectors", "change_platformstatuspush")]

# Tracking updates from the aggregators (AfterShip, EasyPost): the ones no shipment of
# ours matched wait for staff, who apply them again once the shipment is right.
AGGREGATOR_CARE_PERMISSIONS = [
    ("aggregators", "view_trackingupdate"),
    ("aggregators", "change_trackingupdate"),
    ("aggregators", "reapply_trackingupdate"),
]

# What each role may read and change on the dashboard (and, for managers, in the
# admin, where they also change the set-up).
ROLE_MODEL_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    MANAGER: [
        (app, f"{action}_{model}")
        for app, model in [
            ("orders", "storefront"),
            ("orders", "storefrontapikey"),
            ("customers", "customer"),
            ("customers", "address"),
        ]
        for action in ("view", "add", "change")
    ]
    + [("orders", "view_order"), ("orders", "view_orderevent"), ("orders", "view_orderline")]
    # Customers' change requests: the dashboard's queue, and the admin's read-only list.
    + [("orders", "view_orderchangerequest")]
    # A customer's right of access and erasure (privacy.services), and its audit trail.
    + [
        ("customers", "export_customer"),
        ("customers", "erase_customer"),
        ("customers", "view_personaldataaction"),
    ]
    # Managers watch webhook deliveries and resend them.
    + [("webhooks", "view_webhookevent"), ("webhooks", "change_webhookevent")]
    # They connect storefronts to their platforms and watch what comes and goes.
    + CONNECTOR_CARE_PERMISSIONS
    + CONNECTOR_SETUP_PERMISSIONS
    + AGGREGATOR_CARE_PERMISSIONS
    # They organise the work: teams, regions, categories, service levels, holidays,
    # and may act on and reassign every team's orders.
    + [
        ("orders", f"{action}_{model}")
        for model in [
            "department",
            "team",
            "region",
            "productcategory",
            "servicelevel",
            "holiday",
        ]
        for action in ("view", "add", "change", "delete")
    ]
    + [
        ("orders", "work_any_team_order"),
        ("orders", "reassign_order"),
        ("orders", "view_slaalert"),
    ]
    + FINANCE_MODEL_PERMISSIONS
    # Failed logins (django-axes): managers see them and unlock by deleting the attempt.
    + [("axes", "view_accessattempt"), ("axes", "delete_accessattempt"), ("axes", "view_accesslog")]
    + [
        ("fulfillment", "add_package"),
        ("fulfillment", "view_package"),
        ("fulfillment", "add_shipment"),
        ("fulfillment", "view_shipment"),
        ("fulfillment", "view_carrier"),
        ("fulfillment", "add_carrier"),
        ("fulfillment", "change_carrier"),
        ("fulfillment", "view_trackingevent"),
        ("fulfillment", "view_aftersalesrequest"),
        ("fulfillment", "handle_aftersalesrequest"),
        ("fulfillment", "add_picklist"),
        ("fulfillment", "view_picklist"),
        ("fulfillment", "add_pickrecord"),
        ("fulfillment", "view_pickrecord"),
        ("fulfillment", "view_inventoryitem"),
        ("fulfillment", "add_inventoryitem"),
        ("fulfillment", "change_inventoryitem"),
        ("fulfillment", "view_supplier"),
        ("fulfillment", "add_supplier"),
        ("fulfillment", "change_supplier"),
        ("fulfillment", "view_supplierrequest"),
        ("fulfillment", "add_supplierrequest"),
        ("fulfillment", "change_supplierrequest"),
    ],
    WAREHOUSE: [
        ("orders", "view_order"),
        ("orders", "view_orderline"),
        # Packing and booking shipments are the floor's work between packing and shipping.
        ("fulfillment", "add_package"),
        ("fulfillment", "view_package"),
        ("fulfillment", "add_shipment"),
        ("fulfillment", "view_shipment"),
        # Picking: print lists, record what came off the shelf.
        ("fulfillment", "add_picklist"),
        ("fulfillment", "view_picklist"),
        ("fulfillment", "add_pickrecord"),
        ("fulfillment", "view_pickrecord"),
        ("fulfillment", "view_inventoryitem"),
        # Goods from suppliers arrive at the warehouse door.
        ("fulfillment", "view_supplier"),
        ("fulfillment", "view_supplierrequest"),
        ("fulfillment", "change_supplierrequest"),
    ],
    CUSTOMER_CARE: [
        ("orders", "view_order"),
        ("orders", "view_orderline"),
        ("orders", "view_orderevent"),
        ("customers", "view_customer"),
        # What customers ask to change before shipping (the dashboard's queue).
        ("orders", "view_orderchangerequest"),
        # Returns and complaints; a refund resolution still needs Finance or a Manager.
        ("fulfillment", "view_aftersalesrequest"),
        ("fulfillment", "handle_aftersalesrequest"),
        # Chasing suppliers for what a customer waits for.
        ("fulfillment", "view_supplier"),
        ("fulfillment", "view_supplierrequest"),
        ("fulfillment", "add_supplierrequest"),
        ("fulfillment", "change_supplierrequest"),
        # Platform deliveries our orders refused, and marketplace files to import.
        *CONNECTOR_CARE_PERMISSIONS,
        # Carrier updates the aggregators sent for a tracking number we did not know.
        *AGGREGATOR_CARE_PERMISSIONS,
    ],
    FINANCE: [
        ("orders", "view_order"),
        ("orders", "view_orderline"),
        ("orders", "view_orderevent"),
        *FINANCE_MODEL_PERMISSIONS,
    ],
}


# Who may enter the admin site (superusers always may): managers, who set
# everything up there. The other roles work on the dashboard: after-sales and
# supplier requests (customer care, warehouse), the ledger and cost rates
# (finance). Staff in no listed role are refused.
ADMIN_ROLES: tuple[str, ...] = (MANAGER,)


def user_may_use_admin(user) -> bool:
    """Return whether `user` may enter the admin site: an active staff superuser or admin role."""
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # The admin asks several times per page; remember the answer on this user object.
    if not hasattr(user, "_role_names_cache"):
        user._role_names_cache = set(user.groups.values_list("name", flat=True))
    return not user._role_names_cache.isdisjoint(ADMIN_ROLES)


def roles_sync() -> dict[str, Group]:
    """Create or update the role groups so they hold exactly the table's permissions."""
    groups = {}
    for role, transition_codenames in ROLE_TRANSITION_PERMISSIONS.items():
        wanted = [("orders", codename) for codename in transition_codenames]
        wanted += ROLE_MODEL_PERMISSIONS.get(role, [])
        permissions = []
        for app_label, codename in wanted:
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions)
        groups[role] = group
    return groups
