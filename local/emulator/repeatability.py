"""Repeatable requests as ACS documents them (https://learn.microsoft.com/en-us/rest/api/communication/repeatable-requests,
OASIS Repeatable Requests 1.0): ``Repeatability-Request-ID`` a GUID, ``Repeatability-First-Sent`` an IMF-fixdate.

| Request-ID | First-Sent | Result | Status |
|---|---|---|---|
| not a GUID, or First-Sent not an IMF-fixdate | | rejected | 400 |
| valid | older than the tracked duration (5 minutes) | rejected | 412 |
| valid, new | within the duration | accepted | the operation's own |
| valid, repeated, First-Sent differs from the first request's | within the duration | rejected | 400 |
| valid, repeated, matching | within the duration | accepted | the first answer again |
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from .exceptions import AcsError, BadRequest

TRACKED_SECONDS = 300.0
"""How long ACS tracks a repeatable request (5 minutes, per the page above)."""


class PreconditionFailed(AcsError):
    status = 412
    code = "PreconditionFailed"


@dataclass(frozen=True)
class Repeatable:
    """One repeatable request: its cache key and what a repeat must match (its First-Sent; the documented table
    puts "doesn't match previous request" in the First-Sent column, so the body is not compared)."""

    key: str
    first_sent: str


def repeatable(method: str, path: str, request_id: str, first_sent: str | None, now: float) -> Repeatable:
    """Check the two headers; BadRequest (400) or PreconditionFailed (412) as the table says."""
    try:
        uuid.UUID(request_id)
    except ValueError:
        raise BadRequest(
            f"Repeatability-Request-ID {request_id!r} is not a GUID", "InvalidRepeatabilityHeader"
        ) from None
    sent = _imf_fixdate(first_sent)
    if now - sent.timestamp() > TRACKED_SECONDS:
        raise PreconditionFailed(
            f"Repeatability-First-Sent {first_sent} is older than the {TRACKED_SECONDS:.0f} s ACS tracks a request"
        )
    return Repeatable(f"{method} {path} {request_id.lower()}", str(first_sent))


def check_repeat(first: Repeatable, again: Repeatable) -> None:
    """A repeat must carry the first request's First-Sent."""
    if first.first_sent != again.first_sent:
        raise BadRequest(
            f"a repeated Repeatability-Request-ID was first sent {first.first_sent}, not {again.first_sent}",
            "InvalidRepeatabilityHeader",
        )


def _imf_fixdate(value: str | None) -> datetime:
    try:
        parsed = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None or not (value or "").rstrip().endswith("GMT"):
        raise BadRequest(
            f"Repeatability-First-Sent {value!r} is not an IMF-fixdate (Mon, 23 Nov 2026 19:05:33 GMT)",
            "InvalidRepeatabilityHeader",
        )
    return parsed
