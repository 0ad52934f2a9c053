"""Telling the platform an order shipped: the outbox row, its sending, its retries.

`status_push_record` runs inside the transaction of the change that shipped
the order (connectors.subscribers): the `PlatformStatusPush` row exists exactly
when the change committed, one per (order, shipment). After the commit its id
goes to Celery (`connectors.status_push_send`), which calls `status_push_send_now`:

- a worker claims the push with one conditional UPDATE that moves
  `next_attempt_at` past the time its requests may take (the lease); whoever
  updates no row sends nothing (another worker has it, or it is sent, failed or
  not due). No transaction or lock is held while the platform is called.
- every request is logged as a `StatusPushAttempt` (method, URL, status, start of
  the body, error, duration), numbered by the attempt it belongs to.
- a timeout, a connection error, 5xx, 408 or 429 is retried after
  CONNECTOR_PUSH_RETRY_BASE_SECONDS doubled per attempt (capped at
  CONNECTOR_PUSH_RETRY_MAX_DELAY_SECONDS, a 429's Retry-After respected), up to
  CONNECTOR_PUSH_MAX_ATTEMPTS attempts; any other answer fails it for good,
  and staff can send it again from the admin.
- the beat sweeper (`connectors.status_pushes_send_due`) re-sends what a lost
  message or a dead worker left pending.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fulfillment.models import Shipment
from orders.models import Order
from shared.actors import Actor, permission_require
from shared.outages import retry_through_database_outage
from shared.outbound import retry_delay
from shared.outbox import enqueue, enqueue_soon

from .models import (
    PlatformConnection,
    PlatformDelivery,
    PlatformStatusPush,
    StatusPushAttempt,
    StatusPushStatus,
)
from .platform_api import PLATFORM_SHIPPERS, PushResult, Tracking
from .platform_http import RESPONSE_BODY_KEPT_CHARS, platform_request
from .secrets import SecretUnreadable, secret_decrypt

logger = logging.getLogger(__name__)

STATUS_PUSH_TASK = "connectors.status_push_send"
# Requests one attempt may make (WooCommerce: status, notes read, note), for the lease.
REQUESTS_PER_ATTEMPT = 3
LEASE_MARGIN = timedelta(seconds=30)
# The sweeper leaves an overdue push this long to its own scheduled task first.
SWEEP_GRACE = timedelta(seconds=60)
SWEEP_BATCH = 500

NOT_CONFIGURED = (
    "Not sent: the storefront's connection has no platform API URL or token. Set them "
    "(connect_storefront CODE --platform ... --secret ... --api-url URL --api-token TOKEN), "
    "then send it again."
)


def _setting(name: str, default: float) -> float:
    # Read at call time, so tests and operators can change them without a restart.
    return float(getattr(settings, name, default))


def order_platform_connection(order: Order) -> PlatformConnection | None:
    """The active connection `order` came through, or None for any other order.

    An order came from its platform when a delivery of the storefront's connection
    names it (applied to it, or carrying its external id as the platform's order
    id): orders staff took or imported for a connected storefront did not.
    """
    connection = PlatformConnection.objects.filter(
        storefront_id=order.storefront_id, is_active=True
    ).first()
    if connection is None:
        return None
    came_from_platform = PlatformDelivery.objects.filter(
        Q(order=order) | Q(platform_order_id=order.external_id), connection=connection
    ).exists()
    return connection if came_from_platform else None


def status_push_record(
    *,
    order: Order,
    connection: PlatformConnection,
    shipment_id: int,
    carrier: str,
    tracking_number: str,
    tracking_url: str,
) -> PlatformStatusPush:
    """Write the push of one shipment of a shipped platform order; send it after commit.

    Call it inside the transaction that shipped the order. A shipment pushed
    before (a hold and release ships the order again) keeps its one push.
    Without an API URL or token on the connection the push is written failed,
    saying so, and nothing is sent.
    """
    existing = PlatformStatusPush.objects.filter(order=order, shipment_id=shipment_id).first()
    if existing is not None:
        return existing
    configured = bool(connection.api_url and connection.api_token_encrypted)
    push = PlatformStatusPush.objects.create(
        connection=connection,
        order=order,
        shipment_id=shipment_id,
        carrier=carrier[:120],
        tracking_number=tracking_number[:120],
        tracking_url=tracking_url[:500],
        status=StatusPushStatus.PENDING if configured else StatusPushStatus.FAILED,
        last_error="" if configured else NOT_CONFIGURED,
    )
    if configured:
        transaction.on_commit(partial(_status_push_send_soon, push.pk))
    else:
        logger.warning(
            "order %s shipped, but %s has no API URL or token: nothing sent to the platform",
            order.number,
            connection,
        )
    return push


def _status_push_send_soon(push_id: int) -> None:
    # By name: connectors.tasks imports this module, not the other way round.
    enqueue_soon(STATUS_PUSH_TASK, push_id)


def status_push_retry_delay(*, attempts: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed attempt, as webhooks wait."""
    return retry_delay(
        attempts=attempts,
        base=_setting("CONNECTOR_PUSH_RETRY_BASE_SECONDS", 30.0),
        cap=_setting("CONNECTOR_PUSH_RETRY_MAX_DELAY_SECONDS", 3600.0),
        retry_after=retry_after,
    )


def status_pushes_due(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of pending pushes overdue by SWEEP_GRACE (their own task was lost), oldest first.

    A push being sent is not among them: its lease moved `next_attempt_at` ahead.
    """
    now = now or timezone.now()
    return list(
        PlatformStatusPush.objects.filter(
            status=StatusPushStatus.PENDING, next_attempt_at__lte=now - SWEEP_GRACE
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def status_push_send_now(push_id: int) -> PlatformStatusPush | None:
    """Try once to tell the platform; return the push, or None if it was not ours to send.

    Sends nothing when the push is sent or failed, not due yet, or leased by
    another worker: running it twice, or at once, never sends twice.
    """
    timeout = _setting("CONNECTOR_PUSH_TIMEOUT_SECONDS", 10.0)
    now = timezone.now()
    lease_until = now + timedelta(seconds=timeout * REQUESTS_PER_ATTEMPT) + LEASE_MARGIN
    claimed = PlatformStatusPush.objects.filter(
        pk=push_id, status=StatusPushStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=lease_until)
    if not claimed:
        logger.debug("status push %s: not due, not pending or leased; nothing sent", push_id)
        return None
    push = PlatformStatusPush.objects.select_related("connection", "order").get(pk=push_id)
    result = _status_push_run(push, timeout=timeout)
    # The platform has answered: a database restart now must not lose that.
    return retry_through_database_outage(
        partial(_status_push_result_record, push_id=push.pk, result=result),
        what=f"status push {push.pk}: recording the attempt",
    )


status_push_send_now.alters_data = True


def _status_push_run(push: PlatformStatusPush, *, timeout: float) -> PushResult:
    connection = push.connection
    shipper = PLATFORM_SHIPPERS.get(connection.platform)
    if shipper is None:
        return PushResult().fail(f"No status push for platform {connection.platform!r}.")
    if not connection.api_url or not connection.api_token_encrypted:
        return PushResult().fail(NOT_CONFIGURED)
    try:
        token = secret_decrypt(connection.api_token_encrypted)
    except SecretUnreadable as error:
        return PushResult().fail(str(error))
    carrier_code, replaces = (
        Shipment.objects.filter(pk=push.shipment_id)
        .values_list("carrier__code", "previous_leg__tracking_number")
        .first()
    ) or ("", "")
    tracking = Tracking(
        carrier_code=carrier_code or "",
        carrier_name=push.carrier,
        number=push.tracking_number,
        url=push.tracking_url,
        replaces=replaces or "",
    )
    return shipper(
        partial(platform_request, timeout=timeout),
        api_url=connection.api_url.rstrip("/"),
        token=token,
        platform_order_id=push.order.external_id,
        tracking=tracking,
    )


def _status_push_result_record(*, push_id: int, result: PushResult) -> PlatformStatusPush | None:
    """Log the attempt's requests and move the push on, in one short transaction."""
    with transaction.atomic():
        push = PlatformStatusPush.objects.select_for_update().filter(pk=push_id).first()
        if push is None:
            logger.warning("status push %s vanished while it was being sent", push_id)
            return None
        now = timezone.now()
        # Numbered under the row lock, so a worker whose lease ran out gets its own number.
        push.attempts += 1
        StatusPushAttempt.objects.bulk_create(
            StatusPushAttempt(
                push=push,
                number=push.attempts,
                method=call.method,
                url=call.url[:500],
                started_at=call.started_at,
                duration_ms=call.duration_ms,
                response_status=call.status,
                response_body=call.body[:RESPONSE_BODY_KEPT_CHARS],
                error=call.error[:500],
            )
            for call in result.calls
        )
        outcome, error = result.outcome, result.error
        max_attempts = int(_setting("CONNECTOR_PUSH_MAX_ATTEMPTS", 10))
        if outcome == "retry" and push.attempts >= max_attempts:
            outcome = "failed"
            error = f"{error} Gave up after {push.attempts} attempts."
        if calls_made := result.calls:
            push.last_attempt_at = calls_made[0].started_at
        # A worker whose lease ran out may find the push settled by another: leave it so.
        if push.status == StatusPushStatus.PENDING:
            if outcome == "sent":
                push.status = StatusPushStatus.SENT
                push.sent_at = now
                push.last_error = ""
            elif outcome == "retry":
                delay = status_push_retry_delay(
                    attempts=push.attempts, retry_after=result.retry_after
                )
                push.next_attempt_at = now + timedelta(seconds=delay)
                push.last_error = error[:500]
                transaction.on_commit(partial(_status_push_retry_schedule, push.pk, delay))
            else:
                push.status = StatusPushStatus.FAILED
                push.last_error = error[:500]
        push.save(
            update_fields=[
                "attempts",
                "last_attempt_at",
                "status",
                "sent_at",
                "next_attempt_at",
                "last_error",
            ]
        )
    logger.info(
        "status push %s (order %s, %s) attempt %s: %s %s",
        push.pk,
        push.order_id,
        push.connection_id,
        push.attempts,
        outcome,
        error or result.note,
    )
    return push


def _status_push_retry_schedule(push_id: int, delay: float) -> None:
    if current_app.conf.task_always_eager:
        # Eagerly a countdown would run at once: the sweeper (or "Send again") retries.
        return
    # A second more than the delay, so a worker whose clock lags still finds it due.
    enqueue(STATUS_PUSH_TASK, push_id, countdown=delay + 1)


def status_push_send_again(*, push: PlatformStatusPush, actor: Actor) -> PlatformStatusPush:
    """Put a failed push back in the queue and send it after commit.

    Earlier requests stay in the log and numbering continues. A push past the
    maximum number of attempts gets this one try.
    """
    permission_require(actor, "connectors.change_platformstatuspush", "send statuses again")
    with transaction.atomic():
        PlatformStatusPush.objects.filter(pk=push.pk, status=StatusPushStatus.FAILED).update(
            status=StatusPushStatus.PENDING, next_attempt_at=timezone.now()
        )
        transaction.on_commit(partial(_status_push_send_soon, push.pk))
    logger.info(
        "status push %s (order %s) sent again by %s",
        push.pk,
        push.order_id,
        getattr(actor, "username", None) or "system",
    )
    push.refresh_from_db()
    return push


status_push_send_again.alters_data = True
