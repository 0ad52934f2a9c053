"""Bulk work from the dashboard: one transition over many orders, each on its own."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .orders import Order


class BulkJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class BulkJob(models.Model):
    """One transition run over many orders in the background, each order on its own."""

    MAX_ORDERS = 500

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bulk_jobs"
    )
    transition = models.CharField(_("transition"), max_length=40)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BulkJobStatus.choices, default=BulkJobStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("orders"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Bulk {self.transition} #{self.pk} ({self.total} orders)"


class BulkJobItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Refused")


class BulkJobItem(models.Model):
    """One order of a bulk job and what happened to it."""

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    # The order's version the preview showed, for a transition that moves money: the
    # preview stated that order's refund or void, so a changed order is refused instead.
    expected_version = models.PositiveIntegerField(_("expected version"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BulkJobItemStatus.choices,
        default=BulkJobItemStatus.PENDING,
    )
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job order")
        verbose_name_plural = _("bulk job orders")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "order"], name="bulk_item_order_once_per_job")
        ]
        indexes = [models.Index(fields=["job", "status"], name="bulk_item_job_status_idx")]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.order_id}: {self.status}"
