"""The recording state machine and its timeline, as pure code (no I/O, no clock of its own).

States: ``active`` <-> ``paused`` -> ``stopped``. Every other transition raises ``InvalidTransition``, which the
REST layer answers with 409. The timeline keeps the wall-clock spans of each state; ``plan_chunks`` turns them into
media chunks: paused spans are left out of the media, every span is multiplied by the time scale, and the media is
cut at the maximum chunk duration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

MIN_MEDIA_MS = 100


class RecState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


TRANSITIONS: dict[tuple[str, RecState], RecState] = {
    ("pause", RecState.ACTIVE): RecState.PAUSED,
    ("resume", RecState.PAUSED): RecState.ACTIVE,
    ("stop", RecState.ACTIVE): RecState.STOPPED,
    ("stop", RecState.PAUSED): RecState.STOPPED,
}


class InvalidTransition(Exception):
    """``action`` is not allowed in the recording's current state."""

    def __init__(self, action: str, state: RecState) -> None:
        super().__init__(f"cannot {action}: recording is {state.value}")
        self.action = action
        self.state = state


@dataclass
class Span:
    state: RecState
    start: float
    end: float | None = None


@dataclass
class Timeline:
    """Wall-clock spans of one recording; the last one is open until the recording stops."""

    started_at: float
    scale: float
    spans: list[Span] = field(default_factory=list)

    @classmethod
    def begin(cls, now: float, scale: float, paused: bool) -> Timeline:
        first = Span(RecState.PAUSED if paused else RecState.ACTIVE, now)
        return cls(now, scale, [first])

    @property
    def state(self) -> RecState:
        return self.spans[-1].state if self.spans[-1].end is None else RecState.STOPPED

    def apply(self, action: str, now: float) -> RecState:
        target = TRANSITIONS.get((action, self.state))
        if target is None:
            raise InvalidTransition(action, self.state)
        self.spans[-1].end = now
        if target is not RecState.STOPPED:
            self.spans.append(Span(target, now))
        return target

    @property
    def was_active(self) -> bool:
        """Recorded anything at all (a recording started paused and never resumed did not)."""
        return any(span.state is RecState.ACTIVE for span in self.spans)

    def active_seconds(self, now: float) -> float:
        return sum((s.end if s.end is not None else now) - s.start for s in self.spans if s.state is RecState.ACTIVE)


@dataclass(frozen=True)
class Pause:
    media_ms: int  # active media before the pause started
    offset_ms: int  # scaled wall time from the recording's start to the pause's start
    duration_ms: int


@dataclass(frozen=True)
class ChunkPlan:
    index: int
    offset_ms: int  # scaled wall time from the recording's start to the chunk's start
    duration_ms: int  # active media in the chunk
    pauses: tuple[Pause, ...]
    end_reason: str


def _scaled(span: Span, scale: float) -> int:
    assert span.end is not None, "plan a stopped timeline only"
    return round((span.end - span.start) * scale * 1000)


def media_layout(timeline: Timeline) -> tuple[int, list[Pause]]:
    """Total active media (ms) and the pauses placed on the media and scaled wall time axes."""
    media = wall = 0
    pauses: list[Pause] = []
    for span in timeline.spans:
        length = _scaled(span, timeline.scale)
        if span.state is RecState.ACTIVE:
            media += length
        else:
            pauses.append(Pause(media, wall, length))
        wall += length
    return media, pauses


def plan_chunks(timeline: Timeline, max_chunk_ms: int) -> list[ChunkPlan]:
    """Cut the active media into chunks of at most ``max_chunk_ms`` (at least one chunk, at least 100 ms)."""
    total, pauses = media_layout(timeline)
    total = max(total, MIN_MEDIA_MS)
    max_chunk_ms = max(int(max_chunk_ms), 1)
    count = max(1, math.ceil(total / max_chunk_ms))
    plans = []
    for index in range(count):
        start, end = index * max_chunk_ms, min((index + 1) * max_chunk_ms, total)
        last = index == count - 1
        mine = tuple(p for p in pauses if start <= p.media_ms < end or (last and p.media_ms >= end))
        before = sum(p.duration_ms for p in pauses if p.media_ms < start)
        reason = "SessionEnded" if last else "ChunkMaximumSizeExceeded"
        plans.append(ChunkPlan(index, start + before, end - start, mine, reason))
    return plans


def even_chunks(duration_ms: int, count: int) -> list[ChunkPlan]:
    """``count`` back-to-back chunks sharing ``duration_ms`` (synthetic recordings)."""
    count = max(1, count)
    size = duration_ms // count
    plans = []
    for index in range(count):
        length = size if index < count - 1 else duration_ms - size * (count - 1)
        reason = "SessionEnded" if index == count - 1 else "ChunkMaximumSizeExceeded"
        plans.append(ChunkPlan(index, index * size, length, (), reason))
    return plans
