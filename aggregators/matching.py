"""Which of our shipments an aggregator's update is about.

By tracking number (DESIGN.md: the number finds the shipment). When several
shipments share it, by the carrier the aggregator names: a carrier whose
aggregator name (`Carrier.aftership_slug` / `easypost_carrier`) is set must
equal it; one without is matched by its code, else by the number alone. Two
shipments still left: nobody can tell which, staff decide. One shipment with
the number is the one even if the names disagree; the match then says so
(`reason`), for staff.
"""

from __future__ import annotations

from dataclasses import dataclass

from fulfillment.models import Shipment

from .models import Aggregator

_NAME_FIELD = {
    Aggregator.AFTERSHIP: "aftership_slug",
    Aggregator.EASYPOST: "easypost_carrier",
}


@dataclass(frozen=True)
class Match:
    """The shipment, or None and why; with a shipment, `reason` is a warning for staff."""

    shipment: Shipment | None
    reason: str = ""


def shipment_match(*, aggregator: str, tracking_number: str, carrier_name: str) -> Match:
    """The one shipment the update is about, or None and why."""
    number = tracking_number.strip()
    if not number:
        return Match(None, "The update has no tracking number.")
    candidates = list(
        Shipment.objects.filter(tracking_number=number).select_related("carrier").order_by("pk")
    )
    named = carrier_name.strip().lower()
    if named and len(candidates) == 1:
        # One shipment has the number: it is the one, whatever the aggregator calls its
        # carrier (a slug not set or set otherwise in the admin must not leave the order
        # unmoved); a name that disagrees is said, for staff to check the carrier.
        only = candidates[0]
        own = getattr(only.carrier, _NAME_FIELD[aggregator]).strip().lower()
        if own == named or (not own and only.carrier.code.lower() == named):
            return Match(only)
        return Match(
            only,
            f"Applied by tracking number alone: the aggregator names the carrier "
            f"{carrier_name}, the shipment's carrier is {only.carrier.code}"
            + (f" ({own})" if own else "")
            + ".",
        )
    if named:
        field = _NAME_FIELD[aggregator]
        by_name, by_code, unnamed = [], [], []
        for shipment in candidates:
            own = getattr(shipment.carrier, field).strip().lower()
            if own:
                if own == named:
                    by_name.append(shipment)
            elif shipment.carrier.code.lower() == named:
                by_code.append(shipment)
            else:
                unnamed.append(shipment)
        candidates = by_name or by_code or unnamed
    if not candidates:
        return Match(
            None,
            f"No shipment has tracking number {number}"
            + (f" with carrier {carrier_name}." if named else "."),
        )
    if len(candidates) > 1:
        return Match(
            None,
            f"Ambiguous: {len(candidates)} shipments have tracking number {number} ("
            + ", ".join(shipment.carrier.code for shipment in candidates)
            + "); set the carriers' aggregator names in the admin.",
        )
    return Match(candidates[0])
