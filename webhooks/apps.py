from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outgoing storefront webhooks: an outbox written with each order change, sent by Celery."""

    name = "webhooks"
    verbose_name = _("Storefront webhooks")

    def ready(self) -> None:
        # Storefronts hear of order changes: the webhooks' handlers on the order event seam.
        from .subscribers import order_events_subscribe

        order_events_subscribe()
