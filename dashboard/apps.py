from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff dashboard (/dashboard/ and the /fulfillment/ papers): a face."""

    name = "dashboard"
    verbose_name = _("Staff dashboard")
