from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Finance reports")

    def ready(self) -> None:
        from orders.demo.seeders import demo_seeder_register

        from .demo import ReportsDemoSeeder
        from .subscribers import order_events_subscribe

        # The ledger books what order changes move: its handlers on the order event seam.
        order_events_subscribe()
        # The app's share of `seed_demo` (see orders.demo.seeders).
        demo_seeder_register(ReportsDemoSeeder())
