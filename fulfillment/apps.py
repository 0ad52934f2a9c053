from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Fulfillment")

    def ready(self) -> None:
        from orders.demo.seeders import demo_seeder_register

        from .demo import FulfillmentDemoSeeder
        from .edits import edit_rules_register
        from .guards import guards_register
        from .history import customer_messages_register
        from .line_minimums import line_minimums_register

        # Packed, shipped and after-sales settled are conditions of order transitions.
        guards_register()
        # What is picked, packed or drop-shipped holds an order line up (back-orders, edits).
        line_minimums_register()
        # What an edit takes off a line goes back to stock (orders.edit_rules).
        edit_rules_register()
        # Its history rows (after-sales requests) read to the customer as it words them.
        customer_messages_register()
        # The app's share of `seed_demo` (see orders.demo.seeders).
        demo_seeder_register(FulfillmentDemoSeeder())
