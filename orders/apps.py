from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from . import checks, locking  # noqa: F401 - registers the checks; the cache receivers
        from .demo.change_requests import ChangeRequestsDemoSeeder
        from .demo.confirmation import ConfirmationDemoSeeder
        from .demo.seeders import demo_seeder_register
        from .history import customer_message_register
        from .models import OrderEventType
        from .models.change_requests import change_request_history_message

        # Confirming's demo (a shop that confirms paid orders itself): a seeder like the
        # other apps', so it adds its scene to a database seeded before it existed.
        demo_seeder_register(ConfirmationDemoSeeder())
        # Customers' change requests waiting in care's queue, and one answered.
        demo_seeder_register(ChangeRequestsDemoSeeder())
        # Customers' change requests read to them on the tracking page's history.
        customer_message_register(OrderEventType.CHANGE_REQUEST, change_request_history_message)
