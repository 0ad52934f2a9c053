"""Platform connections, the deliveries they send us, status pushed back, and file imports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"


class PlatformConnection(models.Model):
    """A storefront that sells on a platform: how its webhooks are checked and where to answer.

    The signing secret and the API token must be read back (an HMAC is checked
    with the secret itself), so they are kept encrypted with a key from the
    environment (`connectors.secrets`), never in clear and never shown again.
    """

    storefront = models.OneToOneField(
        "orders.Storefront",
        on_delete=models.CASCADE,
        related_name="platform_connection",
        verbose_name=_("storefront"),
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    signing_secret_encrypted = models.TextField(_("signing secret (encrypted)"), editable=False)
    # Where status goes back: the shop's REST API base URL and its access token
    # (Shopify: https://<shop>.myshopify.com/admin/api/<version>; WooCommerce:
    # https://<shop>/wp-json/wc/v3 with "consumer_key:consumer_secret").
    api_url = models.URLField(_("platform API base URL"), max_length=500, blank=True)
    api_token_encrypted = models.TextField(_("API token (encrypted)"), blank=True, editable=False)
    # Shopify's X-Shopify-Shop-Domain of the deliveries seen, for staff to recognise the shop.
    shop_domain = models.CharField(_("shop domain"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("platform connection")
        verbose_name_plural = _("platform connections")
        ordering = ["storefront__name"]

    def __str__(self) -> str:
        return f"{self.storefront} on {self.get_platform_display()}"


class DeliveryOutcome(models.TextChoices):
    RECEIVED = "received", _("Stored, not applied yet")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Nothing to do")
    # The platform changed something our order can no longer take (packed, shipped...).
    REFUSED = "refused", _("Refused: needs staff")
    FAILED = "failed", _("Failed: needs staff")


class PlatformDelivery(models.Model):
    """One webhook delivery from a platform, stored before it is applied.

    Kept whatever happens to it: its raw body, what applying it did, and the
    error. A delivery id seen before is not stored or applied twice.
    """

    connection = models.ForeignKey(
        PlatformConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    topic = models.CharField(_("topic"), max_length=60)
    delivery_id = models.CharField(_("delivery id"), max_length=200)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    raw_body = models.TextField(_("raw body"), blank=True)
    # The platform's order id and its own last-change time, read from the body.
    platform_order_id = models.CharField(_("platform order id"), max_length=100, blank=True)
    platform_updated_at = models.DateTimeField(
        _("changed on the platform at"), null=True, blank=True
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="platform_deliveries",
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=DeliveryOutcome.choices,
        default=DeliveryOutcome.RECEIVED,
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("times applied"), default=0)
    applied_at = models.DateTimeField(_("last applied at"), null=True, blank=True)
    # Refused or failed deliveries wait on the dashboard until someone deals with them.
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    resolved_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("platform delivery")
        verbose_name_plural = _("platform deliveries")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"], name="platform_delivery_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["needs_attention", "received_at"], name="platform_delivery_todo_idx"
            ),
            models.Index(
                fields=["connection", "platform_order_id"], name="platform_delivery_order_idx"
            ),
        ]
        permissions = [("reapply_platformdelivery", "Can apply platform deliveries again")]

    def __str__(self) -> str:
        return f"{self.platform} {self.topic} {self.delivery_id}"


class StatusPushStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class PlatformStatusPush(models.Model):
    """Telling the platform an order shipped: an outbox row written with the shipment."""

    connection = models.ForeignKey(
        PlatformConnection, on_delete=models.CASCADE, related_name="status_pushes"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    # One push per shipment (a second parcel is a second fulfillment on Shopify).
    shipment_id = models.PositiveIntegerField(_("shipment"))
    carrier = models.CharField(_("carrier"), max_length=120, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=120, blank=True)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=StatusPushStatus.choices,
        default=StatusPushStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("status sent to a platform")
        verbose_name_plural = _("statuses sent to platforms")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "shipment_id"], name="status_push_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="status_push_due_idx")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.shipment_id}: {self.status}"


class StatusPushAttempt(models.Model):
    """One request to the platform's API for a push: what went where and what came back."""

    push = models.ForeignKey(
        PlatformStatusPush, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveIntegerField(_("attempt"))
    method = models.CharField(_("method"), max_length=10)
    url = models.URLField(_("URL"), max_length=500)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.TextField(_("response body (start)"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("platform API request")
        verbose_name_plural = _("platform API requests")
        ordering = ["push", "number", "id"]

    def __str__(self) -> str:
        return f"{self.push_id} #{self.number}: {self.response_status or self.error}"


class ImportJobStatus(models.TextChoices):
    # Uploaded on the dashboard and checked: waits for staff to confirm the preview.
    PREVIEW = "preview", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One file of orders (CSV or XLSX) imported for a storefront, in the background if large."""

    storefront = models.ForeignKey(
        "orders.Storefront", on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    # The uploaded file, kept (default storage) until the job has read it.
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", blank=True)
    file_sha256 = models.CharField(_("file checksum"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    orders_total = models.PositiveIntegerField(_("orders in the file"), default=0)
    orders_done = models.PositiveIntegerField(_("orders processed"), default=0)
    orders_created = models.PositiveIntegerField(_("orders created"), default=0)
    orders_existing = models.PositiveIntegerField(_("orders already there"), default=0)
    orders_failed = models.PositiveIntegerField(_("orders refused"), default=0)
    # [{"row": 7, "external_id": "...", "field": "...", "message": "..."}], by row number.
    row_errors = models.JSONField(_("row errors"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]
        permissions = [("import_orders", "Can import orders from files")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
