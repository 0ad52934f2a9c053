from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The managers' Django admin registrations: a face, imported by no domain app."""

    name = "backoffice"
    verbose_name = _("Back office")
