from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from . import checks, locking  # noqa: F401 - registers the checks; the cache receivers
        from .demo.confirmation import ConfirmationDemoSeeder
        from .demo.seeders import demo_seeder_register

        # Confirming's demo (a shop that confirms paid orders itself): a seeder like the
        # other apps', so it adds its scene to a database seeded before it existed.
        demo_seeder_register(ConfirmationDemoSeeder())
