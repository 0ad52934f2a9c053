from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    """Orders from the shops' own platforms (Shopify, WooCommerce) and from files."""

    name = "connectors"
    verbose_name = _("Platform connectors and imports")

    def ready(self) -> None:
        # A shipped platform order tells its platform: the connectors' handlers on the event seam.
        from .subscribers import order_events_subscribe

        order_events_subscribe()
