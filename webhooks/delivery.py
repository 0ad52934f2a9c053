"""Delivering outgoing webhooks to storefronts, once each, whatever runs twice or at once.

`webhook_event_record` (webhooks.services) writes the outbox row in the order
change's transaction. Delivery happens in Celery after commit
(`webhooks.tasks.webhook_event_deliver`, named "orders.webhook_event_deliver"),
which calls `webhook_event_deliver_now`:

- a worker first claims the event with one conditional UPDATE that sets a
  lease; whoever updates no row sends nothing (another worker has it, or it is
  delivered, failed or not due yet). No transaction or row lock is held while
  the request is in flight.
- the body is the stored payload serialised the same way every time, signed
  with the storefront's secret; the event id stays the same across retries.
- every try writes a `WebhookAttempt`. 2xx delivers; timeouts, connection
  errors, 5xx, 408 and 429 are retried with capped exponential backoff for
  WEBHOOK_RETRY_FOR_SECONDS after the event; any other answer fails for good.
- a retry is scheduled with a countdown after commit; the periodic sweeper
  (`orders.webhook_events_send_due`) re-enqueues what a lost message or a dead
  worker left behind.
"""

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from celery import current_app
from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from shared.outages import retry_through_database_outage
from shared.outbound import outbound_send, retry_delay
from shared.outbox import enqueue

from .models import WebhookAttempt, WebhookAttemptOutcome, WebhookEvent, WebhookEventStatus

logger = logging.getLogger(__name__)


WEBHOOK_USER_AGENT = "order-status-webhooks/1"
# Answers worth trying again: the receiver may answer differently later (plus every 5xx).
WEBHOOK_RETRYABLE_STATUSES = frozenset({408, 429})
WEBHOOK_RESPONSE_BODY_KEPT_CHARS = 2000
# A worker keeps its claim this long beyond the request timeout before another may take over.
WEBHOOK_LEASE_MARGIN = timedelta(seconds=30)
# The sweeper leaves an overdue event this long to its own scheduled task first.
WEBHOOK_SWEEP_GRACE = timedelta(seconds=60)
WEBHOOK_SWEEP_BATCH = 500


def _setting(name: str) -> float:
    # Read at call time, so tests and operators can change them without a restart of imports.
    return float(getattr(settings, name))


def webhook_body(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes sent for `payload`: the same on every retry."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    """Return the X-Signature value for `body`: `sha256=` and its hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_retry_delay(*, attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed try (shared.outbound.retry_delay)."""
    return retry_delay(
        attempts=attempts,
        base=_setting("WEBHOOK_RETRY_BASE_SECONDS"),
        cap=_setting("WEBHOOK_RETRY_MAX_DELAY_SECONDS"),
        retry_after=retry_after,
    )


def webhook_events_due(*, now: datetime | None = None, limit: int = WEBHOOK_SWEEP_BATCH):
    """Return ids of pending events overdue by WEBHOOK_SWEEP_GRACE whose lease is free.

    These are the ones whose scheduled task was lost (broker message dropped,
    worker died); the oldest come first, at most `limit`.
    """
    now = now or timezone.now()
    return list(
        WebhookEvent.objects.filter(
            status=WebhookEventStatus.PENDING, next_attempt_at__lte=now - WEBHOOK_SWEEP_GRACE
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@dataclass(frozen=True)
class _Answer:
    """What one try came back with."""

    status: int | None = None
    body: str = ""
    error: str = ""
    retry_after: float | None = None
    # Set when no request could be made and none will ever help (no or bad URL).
    hopeless: bool = False

    @property
    def outcome(self) -> WebhookAttemptOutcome:
        if self.hopeless:
            return WebhookAttemptOutcome.FAILED
        if self.status is None:  # timeout or connection error
            return WebhookAttemptOutcome.RETRY
        if 200 <= self.status < 300:
            return WebhookAttemptOutcome.DELIVERED
        if self.status >= 500 or self.status in WEBHOOK_RETRYABLE_STATUSES:
            return WebhookAttemptOutcome.RETRY
        return WebhookAttemptOutcome.FAILED


def webhook_event_deliver_now(event_id: UUID | str) -> WebhookEvent | None:
    """Try once to deliver event `event_id` now; return it, or None if it was not ours to send.

    Sends nothing when the event is delivered or failed, not due yet, or leased
    by another worker, so running it twice (or at once) never sends twice.
    """
    timeout = _setting("WEBHOOK_TIMEOUT_SECONDS")
    now = timezone.now()
    lease_until = now + timedelta(seconds=timeout) + WEBHOOK_LEASE_MARGIN
    claimed = (
        WebhookEvent.objects.filter(
            pk=event_id, status=WebhookEventStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=lease_until)
    )
    if not claimed:
        logger.debug("webhook event %s: not due, not pending or leased; nothing sent", event_id)
        return None

    event = WebhookEvent.objects.select_related("storefront").get(pk=event_id)
    url = event.storefront.webhook_url
    started_at = timezone.now()
    started = time.monotonic()
    problem = _webhook_url_problem(url)
    if problem:
        answer = _Answer(error=problem, hopeless=True)
    else:
        body = webhook_body(event.payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": WEBHOOK_USER_AGENT,
            "X-Signature": webhook_signature(event.storefront.webhook_secret, body),
            "X-Webhook-Id": str(event.pk),
            "X-Webhook-Type": event.event_type,
            "X-Webhook-Attempt": str(event.attempts + 1),
        }
        answer = _webhook_post(url=url, body=body, headers=headers, timeout=timeout)
    duration_ms = round((time.monotonic() - started) * 1000)
    # The storefront has answered: a database restart now must not lose that, or the
    # sweeper would send the event again once the lease ran out.
    return retry_through_database_outage(
        partial(
            _webhook_attempt_record,
            event_id=event.pk,
            lease_until=lease_until,
            url=url,
            started_at=started_at,
            duration_ms=duration_ms,
            answer=answer,
        ),
        what=f"webhook event {event.pk}: recording the attempt",
    )


webhook_event_deliver_now.alters_data = True


def _webhook_url_problem(url: str) -> str:
    if not url:
        return "The storefront has no webhook URL any more; nothing was sent."
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return f"The webhook URL must start with http:// or https://, not {url[:200]!r}."
    # Its address is checked where the connection is made (connection_to_public_address):
    # one lookup, and the address checked is the one connected to.
    return ""


def _webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> _Answer:
    # The caller checked that the scheme is http or https (S310 warns of file:// and such).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    answer = outbound_send(
        request, timeout=timeout, body_bytes=4 * WEBHOOK_RESPONSE_BODY_KEPT_CHARS
    )
    return _Answer(**{**vars(answer), "body": answer.body[:WEBHOOK_RESPONSE_BODY_KEPT_CHARS]})


def _webhook_attempt_record(
    *,
    event_id: UUID,
    lease_until: datetime,
    url: str,
    started_at: datetime,
    duration_ms: int,
    answer: _Answer,
) -> WebhookEvent | None:
    """Log the attempt and move the event on, in one short transaction after the request."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            logger.warning("webhook event %s vanished while it was being sent", event_id)
            return None
        now = timezone.now()
        outcome = answer.outcome
        error = answer.error
        retry_for = _setting("WEBHOOK_RETRY_FOR_SECONDS")
        if outcome == WebhookAttemptOutcome.RETRY and (
            now - event.created_at >= timedelta(seconds=retry_for)
        ):
            outcome = WebhookAttemptOutcome.FAILED
            error = f"{error} Gave up: retries stop {retry_for / 3600:g} h after the event."
        # Numbered under the row lock, so even a worker whose lease ran out gets its own number.
        event.attempts += 1
        WebhookAttempt.objects.create(
            event=event,
            number=event.attempts,
            url=url[:500],
            started_at=started_at,
            duration_ms=duration_ms,
            response_status=answer.status,
            response_body=answer.body,
            error=error[:500],
            outcome=outcome,
        )
        event.last_attempt_at = started_at
        if event.lease_until == lease_until:
            event.lease_until = None  # ours: free it (another worker's lease is left alone)
        # A worker whose lease ran out may find the event settled by another: leave it so.
        if event.status == WebhookEventStatus.PENDING:
            if outcome == WebhookAttemptOutcome.DELIVERED:
                event.status = WebhookEventStatus.DELIVERED
                event.delivered_at = now
                event.last_error = ""
            elif outcome == WebhookAttemptOutcome.RETRY:
                delay = webhook_retry_delay(
                    attempts=event.attempts,
                    retry_after=answer.retry_after if answer.status == 429 else None,
                )
                event.next_attempt_at = now + timedelta(seconds=delay)
                event.last_error = error[:500]
                transaction.on_commit(partial(_webhook_event_retry_schedule, str(event.pk), delay))
            else:
                event.status = WebhookEventStatus.FAILED
                event.last_error = error[:500]
        event.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "lease_until",
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_error",
            ]
        )
    logger.info(
        "webhook event %s (%s) attempt %s to %s: %s %s",
        event.pk,
        event.event_type,
        event.attempts,
        url,
        outcome,
        answer.status or error,
    )
    return event


def _webhook_event_retry_schedule(event_id: str, delay: float) -> None:
    if current_app.conf.task_always_eager:
        # Eagerly a countdown would run at once. Without a broker (`make run` with
        # no REDIS_URL) a timer in this process retries instead; it dies with the
        # process, and then the event waits for a resend from the admin.
        if settings.WEBHOOK_RETRY_IN_PROCESS:
            timer = threading.Timer(delay + 1, _webhook_event_retry_in_process, args=(event_id,))
            timer.daemon = True
            timer.start()
        return
    # A second more than the delay, so that a timer firing early or a worker whose
    # clock lags a little still finds the event due instead of leaving it to the sweeper.
    # By name: webhooks.tasks imports this module, not the other way round.
    enqueue("orders.webhook_event_deliver", event_id, countdown=delay + 1)


def _webhook_event_retry_in_process(event_id: str) -> None:
    try:
        webhook_event_deliver_now(event_id)
    except Exception:
        logger.exception("in-process retry of webhook event %s failed", event_id)
    finally:
        # This thread opened its own database connection; do not leak it.
        connections.close_all()
