"""Receiving and applying the aggregators' tracking updates."""

from .receiving import (
    Receipt,
    UpdateNotAuthenticated,
    update_apply,
    update_reapply,
    update_receive,
    update_record,
    update_resolve,
)

__all__ = [
    "Receipt",
    "UpdateNotAuthenticated",
    "update_apply",
    "update_reapply",
    "update_receive",
    "update_record",
    "update_resolve",
]
