from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfillmentConfig(AppConfig):
    name = "fulfillment"
    verbose_name = _("Fulfillment")

    def ready(self) -> None:
        # Packed, shipped and after-sales settled are conditions of order transitions.
        from .guards import guards_register

        guards_register()
