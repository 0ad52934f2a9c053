from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing storefront webhooks: an outbox written with each order change, sent by Celery."""

    name = "webhooks"
    verbose_name = _("Storefront webhooks")
