"""Event Grid and callbacks arrive late, twice and out of order: the outcome must not depend on it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain import CallState, ChunkState, RecordingState, replay
from shared.domain import inputs as ev
from tests.unit.domain.builders import (
    REC,
    SID,
    archived,
    connected,
    disconnected,
    files_ready,
    report,
    ringing,
    started,
)

FACTS: list[ev.Input] = [
    ringing(),
    connected(),
    started(),
    report(True, 4),
    report(False, 30),
    disconnected(),
    files_ready(2),
    archived(0),
    archived(1),
]


def _causal(order: list[ev.Input]) -> list[ev.Input]:
    """Swap events so that the start follows the connect and the chunks follow files-ready (they are caused by it)."""
    fixed = list(order)
    for cause, effects in (("connected", ["started:connect:connected"]), ("files", ["archived-0", "archived-1"])):
        position = {event.event_id: i for i, event in enumerate(fixed)}
        first = min(position[e] for e in effects)
        if first < position[cause]:
            i, j = first, position[cause]
            fixed[i], fixed[j] = fixed[j], fixed[i]
    return fixed


@settings(max_examples=300, deadline=None)
@given(order=st.permutations(FACTS))
def test_any_causal_order_ends_disconnected_with_one_archived_recording(order: list[ev.Input]) -> None:
    call = replay(SID, _causal(order))
    assert call is not None
    assert call.state is CallState.DISCONNECTED
    assert [r.recording_id for r in call.recordings] == [REC]
    recording = call.recordings[0]
    assert recording.state is RecordingState.ARCHIVED
    assert all(c.state is ChunkState.ARCHIVED for c in recording.chunks)
    assert call.caller == "4:+1"


@settings(max_examples=200, deadline=None)
@given(copies=st.lists(st.integers(min_value=1, max_value=3), min_size=len(FACTS), max_size=len(FACTS)))
def test_redelivered_events_change_nothing(copies: list[int]) -> None:
    delivered = [event for event, n in zip(FACTS, copies, strict=True) for _ in range(n)]
    assert replay(SID, delivered) == replay(SID, FACTS)


@settings(max_examples=200, deadline=None)
@given(times=st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8, unique=True))
def test_the_newest_state_report_wins_whatever_the_delivery_order(times: list[int]) -> None:
    reports = [report(t % 2 == 0, float(t)) for t in times]
    call = replay(SID, [connected(), started(), *reports])
    assert call is not None
    newest = max(times)
    expected = RecordingState.ACTIVE if newest % 2 == 0 else RecordingState.PAUSED
    assert call.recordings[0].state is expected
