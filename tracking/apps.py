from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    """The customer tracking page (/track/): a face, imported by no domain app."""

    name = "tracking"
    verbose_name = _("Customer tracking page")
