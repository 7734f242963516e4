"""The app's clock: the time now, in UTC, and a sender's time held to when the app received it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC: ``Deps.now`` unless a test sets a clock of its own."""
    return datetime.now(UTC)


def not_after(moment: datetime, received: datetime) -> datetime:
    """A sender's time, clamped to when the app received it: a body cannot date anything in the future."""
    return min(moment, received)
