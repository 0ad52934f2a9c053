"""What an aggregator's webhook body says, in our terms, whichever aggregator sent it.

The readers (`aftership.py`, `easypost.py`) turn a body into an `AggregatorUpdate`
or raise `UpdateUnreadable` (the update is then kept as failed, for staff).
They never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from fulfillment.services import Scan


class UpdateUnreadable(Exception):
    """The body is not the aggregator's documented shape; the message says what is wrong."""


@dataclass(frozen=True)
class AggregatorUpdate:
    """One aggregator event about one tracking number.

    `applies`: the topic is one we act on (others are kept and marked ignored);
    `status`: the overall status now in our terms (fulfillment's
    TrackingEventStatus), None when it says nothing we act on; `note`: why a
    status was left alone, for staff (e.g. EasyPost's tracker "error").
    """

    event_id: str
    topic: str
    tracking_number: str = ""
    carrier_name: str = ""
    applies: bool = True
    status: str | None = None
    scans: tuple[Scan, ...] = field(default=())
    estimated_delivery_date: date | None = None
    note: str = ""


def json_object(payload: Any, what: str) -> dict:
    if not isinstance(payload, dict):
        raise UpdateUnreadable(f"{what} is not a JSON object.")
    return payload


def text(value: Any, limit: int = 500) -> str:
    """A string field as text (numbers too), stripped; anything else is empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()[:limit]
    return ""


def moment(value: Any) -> tuple[datetime, int | None] | None:
    """An ISO 8601 time as an aware datetime and its UTC offset in minutes.

    A time without an offset is the carrier's wall-clock time at the place
    (AfterShip passes on what the courier gives); without its zone the best
    reading is the shop's own time zone (most parcels travel in the shop's
    country), and no offset (None) is kept, so the page shows it as written.
    Unreadable: None.
    """
    raw = text(value, 64)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    offset = parsed.utcoffset()
    if offset is None:
        return timezone.make_aware(parsed, timezone.get_default_timezone()), None
    minutes = int(offset.total_seconds() // 60)
    return parsed, minutes


def day(value: Any) -> date | None:
    """The calendar date of an ISO date or date-time, as written (the place's own date)."""
    raw = text(value, 64)
    try:
        return date.fromisoformat(raw[:10]) if len(raw) >= 10 else None
    except ValueError:
        return None


def place(*parts: Any) -> str:
    """A place from its parts, skipping the empty ones and repeats."""
    seen: list[str] = []
    for part in parts:
        value = text(part, 120)
        if value and value not in seen:
            seen.append(value)
    return ", ".join(seen)[:200]
