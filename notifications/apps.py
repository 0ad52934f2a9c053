from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Customer e-mails: an outbox written with each order change, sent by Celery."""

    name = "notifications"
    verbose_name = _("Customer notifications")
