"""The call store's interface: what the handlers need from persistence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain import Call
from shared.domain import inputs as ev


class StoreContention(Exception):
    """Too many concurrent writers on one call; transient (raise so the platform retries)."""


@dataclass(frozen=True)
class Applied:
    """The result of applying one input: the call after it, and whether it was a redelivery (no-op).

    ``version`` counts the writes of the call's state (0: no state); a projection of the state carries it.
    ``token``: the state's concurrency token as this write left it ("" when the store does not know it).
    """

    call: Call | None
    previous: Call | None
    duplicate: bool
    version: int = 0
    token: str = ""

    @property
    def loaded(self) -> Loaded | None:
        """The call as this write left it, for the ``based_on`` of a write that follows at once (None when the
        store gave no token: that write reads the call first)."""
        return Loaded(self.call, self.token, self.version) if self.token else None


@dataclass(frozen=True)
class Loaded:
    """A call as the store read it, with what a write based on that read needs (``token``: the store's concurrency
    token for the state row, e.g. its ETag; ``version``: as in ``Applied``)."""

    call: Call | None
    token: str = ""
    version: int = 0


NEW_CALL = Loaded(None)
"""``based_on`` for an input that almost always opens its call (an IncomingCall): the store tries to create the call
without reading it first. Where the call exists (a redelivery, or a callback that came first) the create fails and
the store reads it and applies the input on what it read, as after any stale ``based_on``."""


@dataclass(frozen=True)
class DayPage:
    """Up to ``limit`` calls of a day, newest first; ``after`` continues the listing ("" when it is done)."""

    calls: list[Call]
    after: str


class CallStore(Protocol):
    def get(self, server_call_id: str) -> Call | None: ...

    def load(self, server_call_id: str) -> Loaded:
        """The call with its concurrency token: ``apply(..., based_on=...)`` may then skip reading it again."""
        ...

    def apply(self, server_call_id: str, event: ev.Input, *, based_on: Loaded | None = None) -> Applied:
        """Apply ``event`` exactly once (by event id); raise the state machine's errors unchanged. ``based_on``: the
        state the caller has just loaded, tried first without a read (a stale one costs a retry, never a wrong
        write: the write is conditional on the token, and a redelivered event still finds its ledger row)."""
        ...

    def find_by_recording(self, recording_id: str) -> str | None:
        """The serverCallId of the call a recording belongs to."""
        ...

    def day_page(self, day: date, *, after: str = "", limit: int = 50) -> DayPage:
        """The calls created on ``day`` (UTC), newest first, from the one after the key ``after``."""
        ...

    def participant_page(
        self,
        key: str,
        *,
        after: str = "",
        limit: int = 50,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> DayPage:
        """The calls the participant ``key`` took part in, created in [``since``, ``until``), newest first, from the
        one after the key ``after`` (read from the participant's index, not from every call of a day)."""
        ...

    def open_calls(self) -> list[Call]:
        """Calls with work for the sweeper: a recording whose files are ready but not all archived, or a call or
        recording that lost callbacks could leave as it is (``shared.domain.reconcile.needs_sweeper``)."""
        ...

    def close_open(self, folder: str) -> None: ...

    def forget(self, server_call_id: str, version: int) -> bool:
        """Remove the call and its rows if its state is still at ``version``; False (nothing removed) if it moved on.
        Index rows left by it are removed after; a reader already skips an index row whose call is gone."""
        ...

    def timeline(self, server_call_id: str) -> list[dict[str, Any]]: ...
