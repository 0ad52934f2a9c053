from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Customer e-mails: an outbox written with each order change, sent by Celery."""

    name = "notifications"
    verbose_name = _("Customer notifications")

    def ready(self) -> None:
        # Customer e-mails follow order changes: their handlers on the order event seam.
        from .subscribers import order_events_subscribe

        order_events_subscribe()
