from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    """Orders from the shops' own platforms (Shopify, WooCommerce) and from files."""

    name = "connectors"
    verbose_name = _("Platform connectors and imports")

    def ready(self) -> None:
        from orders.demo.seeders import demo_seeder_register

        from .demo import ConnectorsDemoSeeder
        from .subscribers import order_events_subscribe

        # A shipped platform order tells its platform: the connectors' handlers on the event seam.
        order_events_subscribe()
        # The app's share of `seed_demo` (see orders.demo.seeders).
        demo_seeder_register(ConnectorsDemoSeeder())
