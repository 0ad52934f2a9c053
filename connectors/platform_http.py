"""Requests to a platform's API: public addresses only, no redirects, each one kept for the log.

The API base URL is typed by whoever connects a storefront, so it gets the
same protection as a storefront's webhook URL (shared.outbound, README
"Security"): the host must resolve to public addresses only, checked where the
connection is made, unless `WEBHOOKS_ALLOW_PRIVATE_ADDRESSES` is on (a
stand-in for the platform on the developer's machine, and the tests). No proxy
from the environment and no redirect is followed: the answer logged is the
platform's own.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from shared.outbound import outbound_send

PLATFORM_USER_AGENT = "order-status-connectors/1"
# Answers worth trying again (plus every 5xx): the platform may answer differently later.
RETRYABLE_STATUSES = frozenset({408, 429})
RESPONSE_BODY_KEPT_CHARS = 2000


@dataclass(frozen=True)
class PlatformCall:
    """One request to the platform and what came back: a row of the push's log."""

    method: str
    url: str
    started_at: datetime
    duration_ms: int
    status: int | None = None
    body: str = ""
    error: str = ""
    retry_after: float | None = None
    # No request was possible and none will ever be (a refused address, a bad URL).
    hopeless: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        if self.hopeless:
            return False
        if self.status is None:  # timeout or connection error
            return True
        return self.status >= 500 or self.status in RETRYABLE_STATUSES

    def json(self) -> Any:
        """The answer's body as JSON, or None when it is not JSON (or was cut for the log)."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def platform_request(
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    payload: dict[str, Any] | None = None,
    timeout: float,
) -> PlatformCall:
    """Make one request to a platform's API and return what happened; never raises for HTTP.

    `payload` is sent as JSON. Any answer, a timeout or a refused connection
    comes back as a PlatformCall, for the caller to decide and to log.
    """
    started_at = timezone.now()
    started = time.monotonic()

    def call(**fields: Any) -> PlatformCall:
        duration_ms = round((time.monotonic() - started) * 1000)
        return PlatformCall(
            method=method, url=url, started_at=started_at, duration_ms=duration_ms, **fields
        )

    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        return call(error=f"The API URL must start with https:// (or http://): {url[:200]!r}.")
    body = None
    all_headers = {"Accept": "application/json", "User-Agent": PLATFORM_USER_AGENT, **headers}
    if payload is not None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        all_headers["Content-Type"] = "application/json"
    # The scheme was checked above (S310 warns of file:// and such).
    request = urllib.request.Request(url, data=body, headers=all_headers, method=method)  # noqa: S310
    answer = outbound_send(request, timeout=timeout, body_bytes=1024 * 1024)
    return call(**vars(answer))
