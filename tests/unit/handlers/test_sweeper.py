"""The sweeper: stuck chunks enqueued again, a retention warning once, failure once the source is gone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import RecordingState
from shared.handlers.api import get_call
from shared.handlers.eventgrid import handle_grid_event
from shared.handlers.sweeper import sweep
from shared.layout import call_folder
from tests.unit.handlers import payloads as p
from tests.unit.handlers.fakes import deliver, world

READY_AT = datetime(2026, 11, 24, 0, 5, tzinfo=UTC)


def test_chunks_not_archived_in_time_are_enqueued_again_with_the_next_attempt() -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=900)
    sid = p.server_call_id()
    jobs = handle_grid_event(p.files_ready(sid, "rec-1", chunks=2), w.deps)
    deliver(w, jobs[0])
    w.clock.advance(seconds=899)
    assert sweep(w.deps) == []
    w.clock.advance(seconds=2)
    again = sweep(w.deps)
    assert [(j.chunk.index, j.attempt) for j in again] == [(1, 1)]
    assert sweep(w.deps) == [], "the re-enqueued chunk waits another period"
    w.clock.advance(seconds=901)
    assert [(j.chunk.index, j.attempt) for j in sweep(w.deps)] == [(1, 2)]


def test_a_warning_is_logged_once_as_retention_nears(caplog: pytest.LogCaptureFixture) -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=10**6)
    handle_grid_event(p.files_ready(p.server_call_id(), "rec-1", chunks=1), w.deps)
    w.clock.advance(hours=20, seconds=1)
    with caplog.at_level(logging.WARNING):
        sweep(w.deps)
        sweep(w.deps)
    warnings = [r for r in caplog.records if "ACS deletes it" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].recordingId == "rec-1"  # type: ignore[attr-defined]


def test_a_recording_not_archived_within_retention_is_failed_with_the_reason() -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=10**6)
    sid = p.server_call_id()
    handle_grid_event(p.files_ready(sid, "rec-1", chunks=1), w.deps)
    w.clock.advance(hours=24, seconds=1)
    assert sweep(w.deps) == []
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FAILED
    assert "24 h" in call.recordings[0].reason


def test_a_call_with_nothing_left_to_archive_leaves_the_open_index() -> None:
    w = world(now=READY_AT)
    sid = p.server_call_id()
    jobs = handle_grid_event(p.files_ready(sid, "rec-1", chunks=1), w.deps)
    deliver(w, jobs[0])
    w.store.open_calls = lambda: list(w.store.calls.values())  # type: ignore[method-assign]
    assert sweep(w.deps) == []
    assert w.store.closed == [call_folder(sid)]


def test_a_chunk_never_started_is_not_enqueued_again_while_the_chunk_queue_holds_messages() -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=900)
    handle_grid_event(p.files_ready(p.server_call_id(), "rec-1", chunks=1), w.deps)
    w.backlog[0] = 3
    w.clock.advance(hours=2)
    assert sweep(w.deps) == [], "its job may still wait behind the others, or run"
    w.backlog[0] = 0
    assert [(j.chunk.index, j.attempt) for j in sweep(w.deps)] == [(0, 1)]


def test_a_files_ready_dated_in_the_future_is_still_re_driven_and_expired_on_time() -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=900)
    sid = p.server_call_id()
    handle_grid_event(p.files_ready(sid, "rec-1", chunks=1, time="9999-12-31T23:59:59Z"), w.deps)
    w.clock.advance(seconds=901)
    assert [(j.chunk.index, j.attempt) for j in sweep(w.deps)] == [(0, 1)]
    w.clock.advance(hours=24)
    sweep(w.deps)
    call = w.store.get(sid)
    assert call is not None
    assert call.recordings[0].state is RecordingState.FAILED


def test_the_sweeper_forgets_callback_tokens_that_have_expired() -> None:
    w = world(now=READY_AT)
    w.guard.first_use("old", READY_AT)
    w.guard.first_use("live", READY_AT + timedelta(minutes=5))
    w.clock.advance(minutes=1)
    sweep(w.deps)
    assert set(w.guard.used) == {"live"}


def test_an_archived_recording_with_a_chunk_never_announced_is_reported_once_before_retention_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    w = world(now=READY_AT, stuck_chunk_after_seconds=10**6)
    sid = p.server_call_id()
    cut = p.chunk(0) | {"endReason": "ChunkMaximumSizeExceeded"}
    for job in handle_grid_event(p.files_ready(sid, "rec-1", chunk_list=[cut]), w.deps):
        deliver(w, job)
    assert w.store.get(sid).recordings[0].state is RecordingState.ARCHIVED  # type: ignore[union-attr]
    sweep(w.deps)
    assert not any("not complete" in r.getMessage() for r in caplog.records), "not before the warning time"
    w.clock.advance(hours=20, seconds=1)
    with caplog.at_level(logging.WARNING):
        sweep(w.deps)
        sweep(w.deps)
    warnings = [r.getMessage() for r in caplog.records if "recording not complete yet" in r.getMessage()]
    assert len(warnings) == 1
    assert "chunk 0 ended with ChunkMaximumSizeExceeded: chunk 1 not announced" in warnings[0]
    line = w.store.timeline(sid)[-1]
    assert (line["event"], line["verdict"]) == ("RetentionWarned", "incomplete")
    assert line["missing"] == ["chunk 0 ended with ChunkMaximumSizeExceeded: chunk 1 not announced"]
    assert w.store.open_calls() == []


def test_the_control_api_shows_the_verdict_and_what_is_missing() -> None:
    w = world(now=READY_AT)
    sid = p.server_call_id()
    jobs = handle_grid_event(p.files_ready(sid, "rec-1", chunks=2), w.deps)
    deliver(w, jobs[0])
    view = get_call(call_folder(sid), w.deps).body
    (recording,) = view["recordings"]
    assert recording["verdict"] == {"verdict": "incomplete", "missing": ["chunk 1 not verified in the archive"]}
    deliver(w, jobs[1])
    view = get_call(call_folder(sid), w.deps).body
    assert view["recordings"][0]["verdict"] == {"verdict": "complete", "missing": []}
    assert view["timeline"][-1]["verdict"] == "complete"
