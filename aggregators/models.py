"""What the tracking aggregators (AfterShip, EasyPost) sent us, kept before it is applied."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Aggregator(models.TextChoices):
    AFTERSHIP = "aftership", "AfterShip"
    EASYPOST = "easypost", "EasyPost"


class UpdateOutcome(models.TextChoices):
    RECEIVED = "received", _("Stored, not applied yet")
    APPLIED = "applied", _("Applied")
    # Nothing new (every checkpoint known already) or a topic we do not act on.
    IGNORED = "ignored", _("Nothing to do")
    # No shipment of ours has its tracking number (or two carriers share it).
    UNMATCHED = "unmatched", _("No matching shipment: needs staff")
    FAILED = "failed", _("Failed: needs staff")


class TrackingUpdate(models.Model):
    """One webhook event from a tracking aggregator, stored whatever happens to it.

    Its event id makes a repeat harmless; an update whose tracking number we do
    not know is kept here for staff (and answered 200, so the aggregator does
    not retry it for days) and can be applied again once the shipment exists.
    """

    aggregator = models.CharField(_("aggregator"), max_length=20, choices=Aggregator.choices)
    event_id = models.CharField(_("event id"), max_length=200)
    # AfterShip's `event` (tracking_update...), EasyPost's `description` (tracker.updated...).
    topic = models.CharField(_("topic"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    # What the aggregator calls the carrier (AfterShip slug or courier code, EasyPost carrier).
    carrier_name = models.CharField(
        _("carrier (as the aggregator names it)"), max_length=64, blank=True
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    raw_body = models.TextField(_("raw body"), blank=True)
    shipment = models.ForeignKey(
        "fulfillment.Shipment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aggregator_updates",
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=UpdateOutcome.choices, default=UpdateOutcome.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("times applied"), default=0)
    applied_at = models.DateTimeField(_("last applied at"), null=True, blank=True)
    # Unmatched or failed updates wait on the dashboard until someone deals with them.
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    resolved_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("tracking update")
        verbose_name_plural = _("tracking updates")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["aggregator", "event_id"], name="tracking_update_once")
        ]
        indexes = [
            models.Index(
                fields=["needs_attention", "received_at"], name="tracking_update_todo_idx"
            ),
            models.Index(fields=["tracking_number"], name="tracking_update_number_idx"),
        ]
        permissions = [("reapply_trackingupdate", "Can apply tracking updates again")]

    def __str__(self) -> str:
        return f"{self.aggregator} {self.topic} {self.event_id}"
