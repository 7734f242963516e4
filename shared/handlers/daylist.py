"""A day's calls for the control API, one page at a time: the query, the state filter and the continuation token.

The token is the day index key of the last call the page looked at (base64url, opaque to clients). With a state
filter, pages are read from the store until ``limit`` calls match or ``SCAN_PAGES`` store pages were read, so a
page may hold fewer calls than ``limit`` and still have a continuation.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from shared.domain import Call, lifecycle
from shared.store import CallStore

STATES = frozenset(lifecycle.STATE_NAMES)
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SCAN_PAGES = 5
_NUMBER = re.compile(r"[0-9]{1,9}")
_DAY_KEY = re.compile(r"[0-9]{13}-=?[A-Za-z0-9_-]{1,1000}")  # a callFolder: clean, or "=" and base64url


class BadQuery(ValueError):
    """A day listing query the API cannot answer (the message says which parameter and why)."""


@dataclass(frozen=True, kw_only=True)
class DayQuery:
    day: date
    state: str = ""
    limit: int = DEFAULT_LIMIT
    after: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> DayQuery:
        return cls(
            day=_day(params.get("date", "")),
            state=_state(params.get("state", "")),
            limit=parse_limit(params.get("limit", "")),
            after=parse_continuation(params.get("continuation", "")),
        )

    def wants(self, call: Call) -> bool:
        if not self.state:
            return True
        return lifecycle.in_state(call, self.state)


def day_calls(query: DayQuery, store: CallStore) -> tuple[list[Call], str]:
    """Up to ``query.limit`` matching calls, newest first, and the key to continue after ("" at the end)."""
    found: list[Call] = []
    after = query.after
    for _ in range(SCAN_PAGES):
        page = store.day_page(query.day, after=after, limit=query.limit - len(found))
        found += [call for call in page.calls if query.wants(call)]
        after = page.after
        if not after or len(found) >= query.limit:
            break
    return found, after


def continuation_token(after: str) -> str:
    return base64.urlsafe_b64encode(after.encode("ascii")).decode("ascii").rstrip("=")


def parse_continuation(token: str) -> str:
    if not token:
        return ""
    try:
        key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadQuery("continuation: not a token this API gave out") from None
    if not _DAY_KEY.fullmatch(key):
        raise BadQuery("continuation: not a token this API gave out")
    return key


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"date: must be YYYY-MM-DD, not {text!r}") from None


def _state(text: str) -> str:
    if text and text not in STATES:
        raise BadQuery(f"state: must be one of {', '.join(sorted(STATES))}")
    return text


def parse_limit(text: str) -> int:
    if not text:
        return DEFAULT_LIMIT
    if not _NUMBER.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
        raise BadQuery(f"limit: must be a whole number from 1 to {MAX_LIMIT}, not {text!r}")
    return int(text)
