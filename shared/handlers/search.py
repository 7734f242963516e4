"""``GET /api/search?participant=...[&from=...][&to=...][&verdict=...][&limit=N][&continuation=...]``: the calls a
participant took part in, newest first, one page at a time.

The calls come from the participant's index (``~participant-...`` in the calls table, written when a call's state
first names the participant: caller, callee, a channel's participant), so a search reads that participant's calls
only, never every call of a day. ``from`` and ``to`` bound when the call started (UTC; a date alone is the whole
day: ``to=2026-12-07`` includes the 7th). With ``verdict``, pages are read from the index until ``limit`` calls
match or ``SCAN_PAGES`` pages were read, so a page may hold fewer calls than ``limit`` and still continue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from shared.domain import Call
from shared.domain.participants import BadParticipant, participant_key
from shared.domain.verdict import Verdict, judge
from shared.handlers.daylist import SCAN_PAGES, BadQuery, continuation_token, parse_continuation, parse_limit
from shared.handlers.deps import Deps
from shared.handlers.replies import Reply, error
from shared.handlers.views import call_summary
from shared.store import CallStore

VERDICTS = tuple(v.value for v in Verdict)


@dataclass(frozen=True, kw_only=True)
class Search:
    participant: str  # its key (``participant_key``)
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    verdict: Verdict | None = None
    limit: int
    after: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Search:
        try:
            participant = participant_key(params.get("participant", ""))
        except BadParticipant as exc:
            raise BadQuery(str(exc)) from None
        since, until = _moment("from", params.get("from", "")), _moment("to", params.get("to", ""), end=True)
        if since is not None and until is not None and until <= since:
            raise BadQuery("to: must be after from")
        return cls(
            participant=participant, since=since, until=until, verdict=_verdict(params.get("verdict", "")),
            limit=parse_limit(params.get("limit", "")), after=parse_continuation(params.get("continuation", "")),
        )  # fmt: skip

    def wants(self, call: Call) -> bool:
        return self.verdict is None or any(judge(r).verdict is self.verdict for r in call.recordings)


def search(params: Mapping[str, str], deps: Deps) -> Reply:
    try:
        query = Search.parse(params)
    except BadQuery as exc:
        return error(400, str(exc))
    calls, after = found_calls(query, deps.store)
    body: dict[str, Any] = {"participant": query.participant, "calls": [call_summary(c) for c in calls]}
    if after:
        body["continuation"] = continuation_token(after)
    return Reply(200, body)


def found_calls(query: Search, store: CallStore) -> tuple[list[Call], str]:
    """Up to ``query.limit`` matching calls, newest first, and the key to continue after ("" at the end)."""
    found: list[Call] = []
    after = query.after
    for _ in range(SCAN_PAGES):
        page = store.participant_page(
            query.participant, after=after, limit=query.limit - len(found), since=query.since, until=query.until
        )
        found += [call for call in page.calls if query.wants(call)]
        after = page.after
        if not after or len(found) >= query.limit:
            break
    return found, after


def _moment(name: str, text: str, *, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` (the day's start; with ``end``, the next day's start) or an ISO 8601 time (UTC if no offset)."""
    if not text:
        return None
    try:
        if len(text) == len("YYYY-MM-DD"):
            day = datetime.combine(datetime.fromisoformat(text).date(), time(), tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(text.replace(" ", "+"))  # a "+" sent unencoded arrives as a space
    except ValueError:
        raise BadQuery(f"{name}: must be YYYY-MM-DD or an ISO 8601 time (2026-12-07T10:00:00Z), not {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _verdict(text: str) -> Verdict | None:
    if not text:
        return None
    if text not in VERDICTS:
        raise BadQuery(f"verdict: must be one of {', '.join(VERDICTS)}, not {text!r}")
    return Verdict(text)
