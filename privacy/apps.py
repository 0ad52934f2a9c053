from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """A customer's personal data across every app: a copy of it, and its erasure.

    It reads and anonymises rows of customers, orders, fulfillment, notifications and
    webhooks, so it sits above them all and below the faces that offer it.
    """

    name = "privacy"
    verbose_name = _("Personal data")
