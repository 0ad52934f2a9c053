from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The storefront REST API (/api/v1/): a face, imported by no domain app."""

    name = "api"
    verbose_name = _("Storefront API")

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI auth extension
