from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AggregatorsConfig(AppConfig):
    """Carrier tracking through the aggregators shops already pay for (AfterShip, EasyPost)."""

    name = "aggregators"
    verbose_name = _("Tracking aggregators")
