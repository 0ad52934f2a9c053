from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The staff dashboard (/dashboard/, /fulfillment/ papers): a face, imported by no domain app."""

    name = "dashboard"
    verbose_name = _("Staff dashboard")
