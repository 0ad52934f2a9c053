from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AggregatorsConfig(AppConfig):
    """Carrier tracking through the aggregators shops already pay for (AfterShip, EasyPost)."""

    name = "aggregators"
    verbose_name = _("Tracking aggregators")

    def ready(self) -> None:
        from orders.demo.seeders import demo_seeder_register

        from .demo import AggregatorsDemoSeeder
        from .subscribers import order_events_subscribe

        # Updates kept for a tracking number we did not know: applied once it is booked.
        order_events_subscribe()
        # The app's share of `seed_demo`: one update waiting for staff (see orders.demo.seeders).
        demo_seeder_register(AggregatorsDemoSeeder())
