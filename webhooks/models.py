"""The outgoing webhook outbox: one row per event for a storefront, and every try to send it."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEventType(models.TextChoices):
    ORDER_CREATED = "order.created", "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed", "order.status_changed"
    SHIPMENT_UPDATED = "shipment.updated", "shipment.updated"
    # Lines, address, contact or shipping price changed after the order was placed.
    ORDER_UPDATED = "order.updated", "order.updated"


class WebhookEventStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """One event for one storefront's webhook URL: an outbox row, written with the change.

    `payload` is the exact JSON body sent; its `id` (this row's id) stays the
    same across retries and resends so receivers can drop duplicates.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    storefront = models.ForeignKey(
        "orders.Storefront", on_delete=models.CASCADE, related_name="webhook_events"
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_events",
    )
    event_type = models.CharField(_("type"), max_length=40, choices=WebhookEventType.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WebhookEventStatus.choices,
        default=WebhookEventStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    # A worker holds the event until this time while it sends; another skips it.
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        # The tables were created when webhooks were part of the orders app.
        db_table = "orders_webhookevent"
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_event_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class WebhookAttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", _("Delivered")
    RETRY = "retry", _("Will retry")
    FAILED = "failed", _("Failed for good")


class WebhookAttempt(models.Model):
    """One try at delivering a webhook event: what was sent where, and what came back."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    url = models.URLField(_("URL"), max_length=500)
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body (start)"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=WebhookAttemptOutcome.choices)

    class Meta:
        db_table = "orders_webhookattempt"
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "number"], name="webhook_attempt_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} #{self.number}: {self.outcome}"
